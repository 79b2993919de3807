import PostgresClient

/// Every statement of the history API.
///
/// A filter left out is a NULL parameter: `($n IS NULL OR column = $n)`. Statements run unnamed
/// (`PQexecParams`), so PostgreSQL plans each with its parameters' values, folds the conditions
/// of absent filters away and walks the index of the filters given (0003_history_indexes.sql).
/// A page reads `LIMIT` rows from its cursor on: keyset, never OFFSET. `Tests/.../HistoryExplainTests`
/// checks the plans.
enum HistorySQL {
    /// A statement and its parameters, in text format (`nil` is NULL).
    struct Statement: Sendable, Equatable {
        var sql: String
        var parameters: [String?]
    }

    /// Up to `pageSize + 1` resources served as `kind` from the query's cursor, in the cursor's
    /// direction (``KeysetWindow``).
    static func profiles(for query: HistoryListQuery, kind: ResourceKind) -> Statement {
        var sid: String?
        if case .profile(let key) = query.token?.key { sid = key }
        return Statement(sql: profiles(query.token?.direction ?? .after, kind: kind), parameters: [
            query.filter("Status"), query.filter("FriendlyName"), query.filter("PolicySid"), sid, String(query.pageSize + 1),
        ])
    }

    /// Up to `pageSize + 1` transitions of resource `sid` served as `kind` (or of all, both nil)
    /// from the query's cursor. A SID served under the other kind has none.
    static func transitions(for query: HistoryListQuery, sid: String?, kind: ResourceKind? = nil) -> Statement {
        var occurredAt: String?
        var id: String?
        if case .transition(let time, let key) = query.token?.key { (occurredAt, id) = (time, String(key)) }
        return Statement(sql: transitions(query.token?.direction ?? .after, kind: sid == nil ? nil : kind ?? .customerProfile), parameters: [
            sid, query.filter("Status"), query.dateFilter("DateCreatedAfter"), query.dateFilter("DateCreatedBefore"),
            occurredAt, id, String(query.pageSize + 1),
        ])
    }

    /// Up to `pageSize + 1` deliveries from the query's cursor.
    static func deliveries(for query: HistoryListQuery) -> Statement {
        var id: String?
        if case .delivery(let key) = query.token?.key { id = String(key) }
        return Statement(sql: deliveries(query.token?.direction ?? .after, bySid: query.filter("Sid") != nil), parameters: [
            query.filter("State"), query.filter("Sink"), query.filter("Sid"), id, String(query.pageSize + 1),
        ])
    }

    /// The profile columns, the times in `statushook_rfc3339` form. Once the TrustHub API was
    /// read (0005_trusthub.sql), its creation time is the profile's, and the later of its update
    /// time and statushook's last transition is the update time.
    private static let profileColumns = """
        sid, kind, account_sid, policy_sid, friendly_name, status, email, status_callback,
        statushook_rfc3339(valid_until) AS valid_until,
        statushook_rfc3339(COALESCE(twilio_date_created, date_created)) AS date_created,
        statushook_rfc3339(GREATEST(twilio_date_updated, date_updated)) AS date_updated, errors::text AS errors
        """

    private static let transitionColumns = """
        id, sid, account_sid, from_status, to_status, failure_reason, unexpected, source,
        statushook_rfc3339(occurred_at) AS occurred_at
        """

    /// Whether a `profiles` row is served as `kind`: a trust product only under TrustProducts,
    /// everything else (an unknown kind too) under CustomerProfiles. Matches `profiles_trust_products`.
    static func served(as kind: ResourceKind) -> String {
        switch kind {
        case .trustProduct: "kind = 'trust_product'"
        case .customerProfile: "kind IS DISTINCT FROM 'trust_product'"
        }
    }

    /// $1 SID: the resource, when it is served as `kind`.
    static func profile(kind: ResourceKind) -> String {
        "SELECT \(profileColumns) FROM profiles WHERE sid = $1::text AND \(served(as: kind))"
    }

    /// $1 Status, $2 FriendlyName, $3 PolicySid, $4 the cursor's SID, $5 limit. By SID; after
    /// the cursor in SID order, or (`.before`) before it in reverse order.
    private static func profiles(_ direction: PageToken.Direction, kind: ResourceKind) -> String {
        """
        SELECT \(profileColumns)
          FROM profiles
         WHERE \(served(as: kind))
           AND ($1::text IS NULL OR status = $1::text)
           AND ($2::text IS NULL OR friendly_name = $2::text)
           AND ($3::text IS NULL OR policy_sid = $3::text)
           AND ($4::text IS NULL OR sid \(direction == .after ? ">" : "<") $4::text)
         ORDER BY sid \(direction == .after ? "ASC" : "DESC")
         LIMIT $5::integer
        """
    }

    /// $1 id.
    static let transition = "SELECT \(transitionColumns) FROM transitions WHERE id = $1::bigint"

    /// $1 SID, $2 Status (to_status), $3 DateCreatedAfter (inclusive), $4 DateCreatedBefore
    /// (exclusive), $5 and $6 the cursor's time and id, $7 limit. Newest first, by time then id;
    /// `.before` reads the other way from the cursor. ORDER BY names `t.` columns: a bare
    /// `occurred_at` would be the text column of the select list, which no index holds. With a
    /// `kind`, $1's profile must be served as it (one primary-key lookup, made once).
    private static func transitions(_ direction: PageToken.Direction, kind: ResourceKind?) -> String {
        let resourceServed = kind.map { "EXISTS (SELECT 1 FROM profiles p WHERE p.sid = $1::text AND p.\(served(as: $0)))" } ?? "true"
        return """
        SELECT \(transitionColumns)
          FROM transitions t
         WHERE ($1::text IS NULL OR sid = $1::text)
           AND \(resourceServed)
           AND ($2::text IS NULL OR to_status = $2::text)
           AND ($3::timestamptz IS NULL OR occurred_at >= $3::timestamptz)
           AND ($4::timestamptz IS NULL OR occurred_at < $4::timestamptz)
           AND ($5::timestamptz IS NULL
                OR (occurred_at, id) \(direction == .after ? "<" : ">") ($5::timestamptz, $6::bigint))
         ORDER BY t.occurred_at \(direction == .after ? "DESC" : "ASC"), t.id \(direction == .after ? "DESC" : "ASC")
         LIMIT $7::integer
        """
    }

    /// $1 State, $2 Sink, $3 SID (of the transition delivered), $4 the cursor's id, $5 limit.
    /// Newest first by id; `.before` reads the other way from the cursor. A notice's delivery has
    /// no SID. With a SID the profile's transitions lead (a few rows, by
    /// transitions_sid_occurred_at); without, deliveries are read in id order and each row looks
    /// its SID up by primary key (a join would let the planner hash all of transitions).
    private static func deliveries(_ direction: PageToken.Direction, bySid: Bool) -> String {
        """
        SELECT d.id, d.transition_id, d.notice_id, \(bySid ? "t.sid" : "(SELECT t.sid FROM transitions t WHERE t.id = d.transition_id) AS sid"),
               d.sink, d.state, d.attempts, d.last_error, statushook_rfc3339(d.created_at) AS created_at,
               statushook_rfc3339(d.next_attempt_at) AS next_attempt_at, statushook_rfc3339(d.finished_at) AS finished_at
          FROM \(bySid ? "transitions t JOIN deliveries d ON d.transition_id = t.id" : "deliveries d")
         WHERE ($1::text IS NULL OR d.state = $1::text)
           AND ($2::text IS NULL OR d.sink = $2::text)
           AND \(bySid ? "t.sid = $3::text" : "$3::text IS NULL")
           AND ($4::bigint IS NULL OR d.id \(direction == .after ? "<" : ">") $4::bigint)
         ORDER BY d.id \(direction == .after ? "DESC" : "ASC")
         LIMIT $5::integer
        """
    }

    /// The attempts of deliveries `ids`, each delivery's oldest first.
    static func attempts(ofDeliveries ids: [Int64]) -> Statement {
        Statement(sql: attempts, parameters: [ids.postgresText])
    }

    /// $1 delivery ids (an array literal). One index lookup per delivery: the ORDER BY keeps the
    /// lateral subquery from being flattened into a join the planner could hash.
    private static let attempts = """
        SELECT ids.delivery_id, a.attempt, a.worker, statushook_rfc3339(a.started_at) AS started_at, a.duration_ms,
               a.outcome, a.detail
          FROM unnest($1::bigint[]) WITH ORDINALITY AS ids(delivery_id, position)
         CROSS JOIN LATERAL (SELECT id, attempt, worker, started_at, duration_ms, outcome, detail
                               FROM delivery_attempts
                              WHERE delivery_id = ids.delivery_id
                              ORDER BY id) a
         ORDER BY ids.position, a.id
        """
}
