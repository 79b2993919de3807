// Every statement of the outbox, in one place; values always travel as parameters. Durations are
// passed as whole microseconds and added to the server's `now()`, so that every due time is on
// the database's clock, whichever daemon wrote it. Times come back as RFC 3339 UTC text
// (`statushook_rfc3339`, migrations/0002_outbox.sql).
enum OutboxSQL {
    /// $1 owner, $2 sinks (text[]), $3 limit, $4 lease (µs).
    ///
    /// Walks each active sink's due deliveries through `deliveries_pending_sink` and takes the
    /// oldest overall, so that a paused sink's backlog is never even read. SKIP LOCKED sits inside
    /// each sink's scan, below its LIMIT: a row another claimer holds is passed over, not counted.
    /// A claim may lock a few rows more than it takes, until its statement ends: run it on its own.
    /// A delivery whose transition or notice is gone (no foreign key since 0007 and 0008; only a
    /// hand-made DELETE does that) is claimed but not returned: its lease ends as an abandoned
    /// attempt, until the schedule is spent and it is dead, and no sink is ever handed half an event.
    ///
    /// Its commit does not wait for the WAL to reach the disk (`synchronous_commit` off for this
    /// statement's own transaction, which is why it must run on its own): it is on the path from a
    /// callback to its delivery. Durability is not needed here: a claim lost in a server crash is
    /// a delivery pending again, and an attempt made under it is recorded as not applied and made
    /// again (at least once). Other claimers see and respect it as soon as it commits, flushed or not.
    static let claim = """
        WITH claimed AS (
            UPDATE deliveries d
               SET state = 'delivering', lease_owner = $1,
                   lease_expires_at = now() + $4::bigint * interval '1 microsecond',
                   attempts = d.attempts + 1
             WHERE d.id IN (
                   SELECT due.id
                     FROM unnest($2::text[]) AS active (sink)
                    CROSS JOIN LATERAL (
                          SELECT c.id, c.next_attempt_at
                            FROM deliveries c
                           WHERE c.sink = active.sink AND c.state = 'pending' AND c.next_attempt_at <= now()
                           ORDER BY c.next_attempt_at, c.id
                           LIMIT $3::integer
                             FOR UPDATE SKIP LOCKED) AS due
                    WHERE NOT EXISTS (SELECT 1 FROM sink_state s WHERE s.sink = active.sink AND s.paused)
                    ORDER BY due.next_attempt_at, due.id
                    LIMIT $3::integer)
               AND (SELECT set_config('synchronous_commit', 'off', true)) = 'off'
            RETURNING d.id, d.sink, d.attempts, d.transition_id, d.notice_id, d.next_attempt_at)
        SELECT c.id, c.sink, c.attempts,
               c.transition_id, t.sid, t.account_sid, t.from_status, t.to_status, t.failure_reason, t.unexpected,
               statushook_rfc3339(t.occurred_at) AS occurred_at, p.friendly_name, p.kind,
               c.notice_id, n.sink AS notice_sink, n.reason AS notice_reason,
               statushook_rfc3339(n.occurred_at) AS notice_occurred_at
          FROM claimed c
          LEFT JOIN transitions t ON t.id = c.transition_id
          LEFT JOIN profiles p ON p.sid = t.sid
          LEFT JOIN sink_notices n ON n.id = c.notice_id
         WHERE n.id IS NOT NULL OR t.id IS NOT NULL
         ORDER BY c.next_attempt_at, c.id
        """

    /// One row per attempt of a batch, in arrays of equal length: $1 delivery (bigint[]), $2 lease
    /// owner (text[]), $3 attempt (integer[]), $4 new state (text[]), $5 retry delay (µs, for
    /// `pending`; bigint[]), $6 error (text[]), $7 started at (timestamptz[]), $8 duration (ms,
    /// integer[]), $9 outcome (text[]), $10 detail (text[]); $11 worker; $12 sinks whose run of
    /// failures ends here (text[]). Returns the deliveries settled.
    ///
    /// One statement for the whole batch: every attempt is recorded, in order; a delivery changes
    /// only while this owner still holds this attempt's lease, else its attempt says the result was
    /// not applied. Resetting a sink's run writes nothing when it has no failures (no row lock).
    ///
    /// The lease is its owner and attempt: only a claim sets `lease_owner`, and every change out of
    /// `delivering` clears it. The statement does not also test `state = 'delivering'`: that made
    /// the planner read every live lease through `deliveries_leases` (its statistics rarely see
    /// any) and compare each with each attempt, for a batch of 64 among nine workers' leases 37,000
    /// comparisons, a thousand-delivery digest's 1.5 million; by the primary key it is one
    /// lookup per attempt.
    static let finishBatch = """
        WITH attempt AS (
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::text[], $5::bigint[], $6::text[],
                                 $7::timestamptz[], $8::integer[], $9::text[], $10::text[])
                     WITH ORDINALITY AS a (id, owner, attempt, state, delay, error, started_at, duration_ms,
                                           outcome, detail, ord)),
        settled AS (
            UPDATE deliveries d
               SET state = a.state,
                   next_attempt_at = CASE WHEN a.state = 'pending'
                                          THEN now() + a.delay * interval '1 microsecond'
                                          ELSE d.next_attempt_at END,
                   last_error = COALESCE(a.error, d.last_error),
                   finished_at = CASE WHEN a.state = 'pending' THEN NULL ELSE now() END,
                   lease_owner = NULL, lease_expires_at = NULL
              FROM attempt a
             WHERE d.id = a.id AND d.lease_owner = a.owner AND d.attempts = a.attempt
            RETURNING d.id),
        recorded AS (
            INSERT INTO delivery_attempts (delivery_id, attempt, worker, started_at, duration_ms, outcome, detail)
            SELECT a.id, a.attempt, $11, a.started_at, a.duration_ms, a.outcome,
                   CASE WHEN s.id IS NOT NULL THEN a.detail
                        ELSE a.detail || ' (the lease had run out: result not applied)' END
              FROM attempt a
              LEFT JOIN settled s ON s.id = a.id
             ORDER BY a.ord),
        healthy AS (
            UPDATE sink_state SET consecutive_failures = 0, updated_at = now()
             WHERE sink = ANY($12::text[]) AND consecutive_failures <> 0)
        SELECT id FROM settled
        """

    /// $1 sink. A success on a sink without failures writes nothing, so it takes no row lock.
    static let resetFailures = """
        UPDATE sink_state SET consecutive_failures = 0, updated_at = now()
         WHERE sink = $1 AND consecutive_failures <> 0
        """

    /// $1 sink. Creates the row when missing and locks it until the transaction ends.
    static let lockSinkState = """
        INSERT INTO sink_state (sink) VALUES ($1)
        ON CONFLICT (sink) DO UPDATE SET updated_at = now()
        RETURNING paused, consecutive_failures
        """

    /// $1 sink, $2 consecutive failures.
    static let writeFailures = """
        UPDATE sink_state SET consecutive_failures = $2::integer, updated_at = now() WHERE sink = $1
        """

    /// $1 sink, $2 reason. Returns a row only when the sink was not paused before.
    static let pause = """
        INSERT INTO sink_state (sink, paused, paused_at, paused_reason) VALUES ($1, true, now(), $2)
        ON CONFLICT (sink) DO UPDATE
           SET paused = true, paused_at = now(), paused_reason = EXCLUDED.paused_reason, updated_at = now()
         WHERE NOT sink_state.paused
        RETURNING sink
        """

    /// $1 sink. Its run of failures starts again from zero.
    static let resume = """
        UPDATE sink_state
           SET paused = false, paused_at = NULL, paused_reason = NULL, consecutive_failures = 0, updated_at = now()
         WHERE sink = $1 AND paused
        """

    static let pausedSinks = """
        SELECT sink, statushook_rfc3339(paused_at) AS paused_at, paused_reason, consecutive_failures
          FROM sink_state WHERE paused ORDER BY sink
        """

    /// $1 paused sink, $2 reason, $3 sinks to tell (text[]): each but the paused one and those paused.
    static let enqueueNotice = """
        WITH notice AS (
            INSERT INTO sink_notices (kind, sink, reason) VALUES ('sink_paused', $1, $2) RETURNING id),
        queued AS (
            INSERT INTO deliveries (notice_id, sink)
            SELECT notice.id, r.recipient
              FROM notice, (SELECT DISTINCT unnest($3::text[]) AS recipient) AS r
             WHERE r.recipient <> $1
               AND NOT EXISTS (SELECT 1 FROM sink_state s WHERE s.sink = r.recipient AND s.paused)
             ORDER BY r.recipient
            RETURNING id)
        SELECT (SELECT id FROM notice) AS notice_id, (SELECT count(*) FROM queued) AS queued
        """

    /// $1 attempts after which an abandoned delivery is dead (the schedule's maximum).
    ///
    /// The worker that held the lease died or stalled: its attempt counts (a delivery that kills
    /// its worker every time must end), is recorded as abandoned, and is retried at once.
    static let sweepExpiredLeases = """
        WITH expired AS (
            SELECT id, lease_owner, lease_expires_at FROM deliveries
             WHERE state = 'delivering' AND lease_expires_at < now()
               FOR UPDATE SKIP LOCKED),
        moved AS (
            UPDATE deliveries d
               SET state = CASE WHEN d.attempts >= $1::integer THEN 'dead' ELSE 'pending' END,
                   finished_at = CASE WHEN d.attempts >= $1::integer THEN now() END,
                   last_error = CASE WHEN d.attempts >= $1::integer
                                     THEN 'gave up after ' || d.attempts || ' attempts: lease expired'
                                     ELSE 'lease expired' END,
                   next_attempt_at = now(), lease_owner = NULL, lease_expires_at = NULL
              FROM expired e
             WHERE d.id = e.id
            RETURNING d.id, d.attempts)
        INSERT INTO delivery_attempts (delivery_id, attempt, worker, started_at, duration_ms, outcome, detail)
        SELECT m.id, m.attempts, COALESCE(e.lease_owner, ''), e.lease_expires_at, 0, 'abandoned', 'lease expired'
          FROM moved m JOIN expired e ON e.id = m.id
        """

    /// $1 prefix. The owners of live leases whose name starts with it (this host's daemons).
    static let leaseOwners = """
        SELECT DISTINCT lease_owner FROM deliveries
         WHERE state = 'delivering' AND starts_with(lease_owner, $1)
        """

    /// $1 owners (text[]). Ends their leases now, for the sweep to take back.
    static let expireLeases = """
        UPDATE deliveries SET lease_expires_at = now() - interval '1 microsecond'
         WHERE state = 'delivering' AND lease_owner = ANY($1::text[])
        """

    /// $1 owner. Claimed but never attempted: the attempt is given back and nothing is recorded.
    static let releaseLeases = """
        UPDATE deliveries
           SET state = 'pending', attempts = GREATEST(attempts - 1, 0), lease_owner = NULL, lease_expires_at = NULL
         WHERE state = 'delivering' AND lease_owner = $1
        """

    /// $1 owner, $2 deliveries (bigint[]). Claims given back unattempted (a paused sink, a batch
    /// that ran long): as ``releaseLeases``, for these only.
    static let releaseClaims = """
        UPDATE deliveries
           SET state = 'pending', attempts = GREATEST(attempts - 1, 0), lease_owner = NULL, lease_expires_at = NULL
         WHERE state = 'delivering' AND lease_owner = $1 AND id = ANY($2::bigint[])
        """

    /// $1 sinks (text[]). Microseconds until the first active pending delivery is due or a lease
    /// expires (negative when already due), NULL when there is neither; and whether every one of
    /// the sinks is paused.
    static let nextDue = """
        SELECT NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS listed (sink)
                            WHERE NOT EXISTS (SELECT 1 FROM sink_state s WHERE s.sink = listed.sink AND s.paused)) AS paused,
               floor(extract(epoch FROM LEAST(
                   (SELECT min(first.next_attempt_at)
                      FROM unnest($1::text[]) AS active (sink)
                     CROSS JOIN LATERAL (
                           SELECT c.next_attempt_at FROM deliveries c
                            WHERE c.sink = active.sink AND c.state = 'pending'
                            ORDER BY c.next_attempt_at LIMIT 1) AS first
                     WHERE NOT EXISTS (SELECT 1 FROM sink_state s WHERE s.sink = active.sink AND s.paused)),
                   (SELECT min(lease_expires_at) FROM deliveries WHERE state = 'delivering')
               ) - now()) * 1000000)::bigint AS micros
        """

    /// $1 sink, $2 at most. How many of the sink's deliveries are due, counted through
    /// `deliveries_pending_sink` and no further than $2: whether a burst is waiting.
    static let dueCount = """
        SELECT count(*) AS due FROM (
            SELECT 1 FROM deliveries
             WHERE sink = $1 AND state = 'pending' AND next_attempt_at <= now()
             LIMIT $2::integer) AS due
        """

    /// $1 states (text[]), $2 ids (bigint[]), $3 sink, $4 from, $5 to (`created_at`, from
    /// inclusive, to exclusive); a NULL filter matches everything. The delivery starts over with
    /// the whole schedule; its earlier attempts stay recorded.
    static let replay = """
        UPDATE deliveries
           SET state = 'pending', attempts = 0, next_attempt_at = now(), finished_at = NULL,
               lease_owner = NULL, lease_expires_at = NULL
         WHERE state = ANY($1::text[])
           AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[]))
           AND ($3::text IS NULL OR sink = $3::text)
           AND ($4::timestamptz IS NULL OR created_at >= $4::timestamptz)
           AND ($5::timestamptz IS NULL OR created_at < $5::timestamptz)
        """

    /// $1 state, $2 sink, $3 sid (NULL: any), $4 limit. Newest first.
    static let list = """
        SELECT d.id, d.sink, d.state, d.transition_id, t.sid, t.from_status, t.to_status,
               d.notice_id, n.sink AS notice_sink,
               (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id) AS attempts,
               d.last_error, statushook_rfc3339(d.created_at) AS created_at,
               statushook_rfc3339(d.next_attempt_at) AS next_attempt_at,
               statushook_rfc3339(d.finished_at) AS finished_at
          FROM deliveries d
          LEFT JOIN transitions t ON t.id = d.transition_id
          LEFT JOIN sink_notices n ON n.id = d.notice_id
         WHERE ($1::text IS NULL OR d.state = $1::text)
           AND ($2::text IS NULL OR d.sink = $2::text)
           AND ($3::text IS NULL OR t.sid = $3::text)
         ORDER BY d.id DESC
         LIMIT $4::integer
        """

    /// $1 delivery. Oldest first.
    static let attempts = """
        SELECT attempt, worker, statushook_rfc3339(started_at) AS started_at, duration_ms, outcome, detail
          FROM delivery_attempts WHERE delivery_id = $1::bigint ORDER BY id
        """
}
