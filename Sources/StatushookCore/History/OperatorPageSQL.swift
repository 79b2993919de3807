/// Every statement of the operator page (`/ui/`), beside the history API's.
///
/// Each one is bounded: a `LIMIT`, or an aggregate whose groups are few (statuses, sinks). Each
/// reads through an index, checked by `OperatorPageExplainTests` on seeded data; the partial
/// indexes of the outbox keep delivered rows (nearly all of them) out of every delivery query.
/// Times come twice: `statushook_rfc3339` text to show, epoch seconds for "3 h ago".
enum OperatorPageSQL {
    /// A statement and its parameters, in text format (`nil` is NULL).
    typealias Statement = HistorySQL.Statement

    /// Rows a list page shows; it reads one more to know whether a next page exists.
    static let pageSize = 50
    /// Matches a search shows (no paging: a search that finds more should be narrower).
    static let searchLimit = 100

    private static func time(_ expression: String, _ name: String) -> String {
        "statushook_rfc3339(\(expression)) AS \(name), extract(epoch FROM \(expression))::bigint AS \(name)_epoch"
    }

    // MARK: Overview

    /// Resources by kind and status: one pass over `profiles` (an index-only scan of
    /// `operator_profiles_kind_status` once it is visible), a handful of groups.
    static let statusCounts = """
        SELECT coalesce(kind, 'customer_profile') AS kind, status, count(*) AS count
          FROM profiles
         GROUP BY 1, 2
         ORDER BY 1, 2
         LIMIT 200
        """

    /// Deliveries that are not delivered, by sink and state; a pending one that was tried already
    /// counts as `retrying`. Each state is read through its partial index (deliveries_pending_sink,
    /// deliveries_leases, deliveries_dead), never through the delivered rows.
    static let deliveryCounts = """
        SELECT sink, CASE WHEN attempts > 0 THEN 'retrying' ELSE 'pending' END AS state, count(*) AS count
          FROM deliveries WHERE state = 'pending' GROUP BY 1, 2
        UNION ALL
        SELECT sink, 'delivering', count(*) FROM deliveries WHERE state = 'delivering' GROUP BY 1
        UNION ALL
        SELECT sink, 'dead', count(*) FROM deliveries WHERE state = 'dead' GROUP BY 1
         ORDER BY 1, 2
         LIMIT 1000
        """

    /// $1 the configured sinks (text[]). Per sink: whether it is paused and why, its consecutive
    /// failures, and the latest error among its dead and waiting deliveries (newest dead first
    /// by deliveries_dead, else the waiting ones by deliveries_pending_sink), with when it came:
    /// a dead one's end, a waiting one's last attempt.
    static let sinkHealth = """
        WITH named AS (SELECT unnest($1::text[]) AS sink UNION SELECT sink FROM sink_state)
        SELECT n.sink, coalesce(s.paused, false) AS paused, s.paused_reason,
               \(time("s.paused_at", "paused_at")), coalesce(s.consecutive_failures, 0) AS consecutive_failures,
               n.sink = ANY ($1::text[]) AS configured,
               e.last_error, \(time("e.at", "last_error_at"))
          FROM named n
          LEFT JOIN sink_state s USING (sink)
          LEFT JOIN LATERAL (
              SELECT x.last_error, x.at FROM (
                  (SELECT d.last_error, d.finished_at AS at, 1 AS rank FROM deliveries d
                    WHERE d.state = 'dead' AND d.sink = n.sink AND d.last_error IS NOT NULL
                    ORDER BY d.id DESC LIMIT 1)
                  UNION ALL
                  (SELECT d.last_error,
                          (SELECT a.started_at FROM delivery_attempts a WHERE a.delivery_id = d.id ORDER BY a.id DESC LIMIT 1) AS at, 2
                     FROM deliveries d
                    WHERE d.state = 'pending' AND d.sink = n.sink AND d.last_error IS NOT NULL
                    ORDER BY d.next_attempt_at DESC LIMIT 1)) x
               ORDER BY x.at DESC NULLS LAST LIMIT 1) e ON true
         ORDER BY n.sink
         LIMIT 100
        """

    // MARK: Profiles

    private static let profileColumns = """
        p.sid, p.kind, p.friendly_name, p.status, \(time("p.date_updated", "since"))
        """

    /// Whether a row is of `kind` (nil: any). An unknown kind counts as a customer profile, as the
    /// history API serves it.
    private static func kindCondition(_ kind: ResourceKind?) -> String {
        kind.map { "p." + HistorySQL.served(as: $0) } ?? "true"
    }

    /// $1 Status (nil: any), $2 the cursor's SID, $3 limit. By SID (the primary key, or
    /// profiles_status with a status; operator_profiles_trust_products for trust products).
    static func profiles(status: String?, kind: ResourceKind?, after sid: String?) -> Statement {
        Statement(sql: """
            SELECT \(profileColumns)
              FROM profiles p
             WHERE \(kindCondition(kind))
               AND ($1::text IS NULL OR p.status = $1::text)
               AND ($2::text IS NULL OR p.sid > $2::text)
             ORDER BY p.sid
             LIMIT $3::integer
            """, parameters: [status, sid, String(pageSize + 1)])
    }

    /// The statuses where Twilio has the next move.
    static let waitingStatuses = ["pending-review", "in-review"]

    /// $1 and $2 the cursor (time in `statushook_rfc3339` form, SID), $3 limit. Oldest in its
    /// status first, by the partial index operator_profiles_waiting.
    static func waiting(kind: ResourceKind?, after cursor: (since: String, sid: String)?) -> Statement {
        Statement(sql: """
            SELECT \(profileColumns)
              FROM profiles p
             WHERE p.status IN ('pending-review', 'in-review')
               AND \(kindCondition(kind))
               AND ($1::timestamptz IS NULL OR (p.date_updated, p.sid) > ($1::timestamptz, $2::text))
             ORDER BY p.date_updated, p.sid
             LIMIT $3::integer
            """, parameters: [cursor?.since, cursor?.sid, String(pageSize + 1)])
    }

    /// $1 the prefix, $2 the first string after every string it starts (``OperatorSearch``).
    /// A SID prefix walks the primary key, a name prefix operator_profiles_friendly_name_c:
    /// byte order (`COLLATE "C"`), so the range holds exactly the names that start with it.
    static func search(_ search: OperatorSearch, kind: ResourceKind?, status: String?) -> Statement {
        switch search {
        case .sid(let prefix, let end):
            return Statement(sql: """
                SELECT \(profileColumns)
                  FROM profiles p
                 WHERE p.sid >= $1::text AND p.sid < $2::text AND starts_with(p.sid, $1::text)
                   AND \(kindCondition(kind)) AND ($3::text IS NULL OR p.status = $3::text)
                 ORDER BY p.sid
                 LIMIT $4::integer
                """, parameters: [prefix, end, status, String(searchLimit + 1)])
        case .name(let prefix, let end):
            return Statement(sql: """
                SELECT \(profileColumns)
                  FROM profiles p
                 WHERE p.friendly_name IS NOT NULL
                   AND (p.friendly_name COLLATE "C") >= $1::text
                   AND ($2::text IS NULL OR (p.friendly_name COLLATE "C") < $2::text)
                   AND \(kindCondition(kind)) AND ($3::text IS NULL OR p.status = $3::text)
                 ORDER BY (p.friendly_name COLLATE "C"), p.sid
                 LIMIT $4::integer
                """, parameters: [prefix, end, status, String(searchLimit + 1)])
        }
    }

    // MARK: One profile

    /// $1 SID.
    static let profile = """
        SELECT p.sid, p.kind, p.friendly_name, p.status, p.account_sid, p.policy_sid, p.email,
               p.errors::text AS errors, \(time("p.date_created", "created")), \(time("p.date_updated", "since"))
          FROM profiles p WHERE p.sid = $1::text
         LIMIT 1
        """

    /// Transitions a profile page shows at most, newest first.
    static let timelineLimit = 200

    private static let transitionColumns = """
        t.id, t.sid, t.from_status, t.to_status, t.failure_reason, t.unexpected, t.source, \(time("t.occurred_at", "at"))
        """

    /// $1 SID, $2 limit: newest first, by transitions_sid_occurred_at.
    static let timeline = """
        SELECT \(transitionColumns)
          FROM transitions t WHERE t.sid = $1::text
         ORDER BY t.occurred_at DESC, t.id DESC
         LIMIT $2::integer
        """

    private static let deliveryColumns = """
        d.id, d.transition_id, d.notice_id, d.sink, d.state, d.attempts, d.last_error,
        \(time("d.created_at", "created")), \(time("d.next_attempt_at", "next_attempt")), \(time("d.finished_at", "finished"))
        """

    /// $1 transition ids (an array literal): their deliveries, by the (transition_id, sink) key,
    /// one lookup per transition (a lateral subquery: `= ANY` of many ids lets the planner scan).
    static let deliveriesOfTransitions = """
        SELECT \(deliveryColumns), NULL::text AS sid, NULL::text AS to_status
          FROM unnest($1::bigint[]) AS ids(transition_id)
         CROSS JOIN LATERAL (SELECT * FROM deliveries x WHERE x.transition_id = ids.transition_id ORDER BY x.sink LIMIT 100) d
         ORDER BY d.id DESC
         LIMIT 1000
        """

    /// $1 delivery ids (an array literal): their attempts, oldest first, one lookup of
    /// delivery_attempts_delivery per delivery.
    static let attempts = """
        SELECT ids.delivery_id, a.attempt, a.worker, statushook_rfc3339(a.started_at) AS started_at, a.duration_ms,
               a.outcome, a.detail
          FROM unnest($1::bigint[]) AS ids(delivery_id)
         CROSS JOIN LATERAL (SELECT id, attempt, worker, started_at, duration_ms, outcome, detail
                               FROM delivery_attempts
                              WHERE delivery_id = ids.delivery_id
                              ORDER BY id LIMIT 50) a
         ORDER BY ids.delivery_id, a.id
         LIMIT 5000
        """

    // MARK: Rejections

    /// $1 limit: the latest rejections with their profile (a primary-key lookup each, LIMIT 1 keeping
    /// the planner from hashing all of profiles instead), newest first by transitions_to_status_occurred_at.
    static let rejections = """
        SELECT \(transitionColumns), p.friendly_name, p.kind, p.errors
          FROM transitions t
          LEFT JOIN LATERAL (SELECT x.friendly_name, x.kind, x.errors::text AS errors FROM profiles x WHERE x.sid = t.sid LIMIT 1) p ON true
         WHERE t.to_status = 'twilio-rejected'
         ORDER BY t.occurred_at DESC, t.id DESC
         LIMIT $1::integer
        """

    /// Rejections the code counts read at most (the newest of the last 30 days).
    static let rejectionCountLimit = 5000

    /// $1 limit: the rejections of the last 30 days, newest first, what their codes are read from.
    /// Each row looks its profile up by primary key (a join would let the planner hash all of profiles).
    static let recentRejections = """
        SELECT t.failure_reason, (SELECT p.errors::text FROM profiles p WHERE p.sid = t.sid) AS errors,
               extract(epoch FROM t.occurred_at)::bigint AS at_epoch
          FROM transitions t
         WHERE t.to_status = 'twilio-rejected' AND t.occurred_at >= now() - interval '30 days'
         ORDER BY t.occurred_at DESC
         LIMIT $1::integer
        """

    // MARK: Review times

    /// Verdicts of one week the review times read at most.
    static let verdictLimit = 10_000

    /// $1 and $2 the week (epoch seconds, from inclusive, to exclusive), $3 limit: its verdicts,
    /// each with the time since its resource last went to pending-review. Verdicts by
    /// transitions_to_status_occurred_at; the pending-review by transitions_sid_occurred_at,
    /// walking the resource's few transitions back.
    static let reviewTimes = """
        SELECT v.to_status, extract(epoch FROM v.occurred_at)::bigint AS at_epoch,
               extract(epoch FROM v.occurred_at - s.occurred_at)::bigint AS seconds
          FROM transitions v
         CROSS JOIN LATERAL (
              SELECT r.occurred_at FROM transitions r
               WHERE r.sid = v.sid AND r.to_status = 'pending-review' AND r.occurred_at <= v.occurred_at
               ORDER BY r.occurred_at DESC LIMIT 1) s
         WHERE v.to_status IN ('twilio-approved', 'twilio-rejected')
           AND v.occurred_at >= to_timestamp($1::bigint) AND v.occurred_at < to_timestamp($2::bigint)
         ORDER BY v.occurred_at DESC
         LIMIT $3::integer
        """

    // MARK: Deliveries

    /// $1 limit: dead deliveries, newest first by deliveries_dead, each with its transition
    /// (a primary-key lookup).
    static let dead = """
        SELECT \(deliveryColumns), t.sid, t.to_status
          FROM deliveries d
          LEFT JOIN LATERAL (SELECT x.sid, x.to_status FROM transitions x WHERE x.id = d.transition_id LIMIT 1) t ON true
         WHERE d.state = 'dead'
         ORDER BY d.id DESC
         LIMIT $1::integer
        """

    /// $1 the configured sinks (text[]), $2 limit: per sink, its pending deliveries that were tried
    /// already, next due first, by deliveries_pending_sink. (Only configured sinks: nothing retries
    /// for another; and a small row estimate keeps the plan under PostgreSQL's JIT threshold, whose
    /// compiling would cost more than the query.)
    static let retrying = """
        SELECT \(deliveryColumns), t.sid, t.to_status
          FROM unnest($1::text[]) AS n(sink)
         CROSS JOIN LATERAL (SELECT * FROM deliveries x
                              WHERE x.state = 'pending' AND x.sink = n.sink AND x.attempts > 0
                              ORDER BY x.next_attempt_at, x.id LIMIT $2::integer) d
          LEFT JOIN LATERAL (SELECT x.sid, x.to_status FROM transitions x WHERE x.id = d.transition_id LIMIT 1) t ON true
         ORDER BY d.sink, d.next_attempt_at, d.id
         LIMIT 10000
        """

    /// Rows of each of the two delivery lists.
    static let deliveryListLimit = 100
}
