import PostgresClient

// Leases that outlived their worker, leases given back on shutdown, and when to wake up next.
extension OutboxStore {
    /// Puts back the deliveries whose lease ran out, recording an `abandoned` attempt for each;
    /// returns how many.
    ///
    /// The lost attempt counts: a delivery already at `giveUpAfter` attempts (the schedule's
    /// ``RetrySchedule/maxAttempts``) is dead instead, so one that kills its worker every time ends.
    /// The others are due at once, and the dispatchers are woken.
    public func sweepExpiredLeases(giveUpAfter maxAttempts: Int, on connection: PostgresConnection) throws -> Int {
        try connection.transaction {
            let swept = try connection.query(OutboxSQL.sweepExpiredLeases, [String(max(maxAttempts, 1))]).affectedRows
            if swept > 0 { try connection.notify(Self.channel) }
            return swept
        }
    }

    /// The owners holding leases whose name starts with `prefix`.
    public func leaseOwners(withPrefix prefix: String, on connection: PostgresConnection) throws -> [String] {
        try connection.query(OutboxSQL.leaseOwners, [prefix]).compactMap { $0["lease_owner"] }
    }

    /// Ends the leases of `owners` at once (their process is gone), so that the next
    /// ``sweepExpiredLeases(giveUpAfter:on:)`` takes the deliveries back as abandoned attempts;
    /// returns how many.
    public func expireLeases(of owners: [String], on connection: PostgresConnection) throws -> Int {
        guard !owners.isEmpty else { return 0 }
        return try connection.query(OutboxSQL.expireLeases, [owners.postgresText]).affectedRows
    }

    /// On shutdown: gives back `owner`'s leases on deliveries it claimed but never attempted, so
    /// another daemon need not wait for them to expire; returns how many.
    ///
    /// Call it once the attempts in flight have finished: the claim's attempt count is taken back
    /// and no attempt is recorded, as none was made. They keep their place in the queue.
    public func releaseLeases(owner: String, on connection: PostgresConnection) throws -> Int {
        try connection.transaction {
            let released = try connection.query(OutboxSQL.releaseLeases, [owner]).affectedRows
            if released > 0 { try connection.notify(Self.channel) }
            return released
        }
    }

    /// How long until a pending delivery of an active sink among `sinks` is due or a lease expires
    /// (zero when one is due already), nil when there is nothing to wait for.
    public func nextDue(sinks: [String], on connection: PostgresConnection) throws -> Duration? {
        try idleState(sinks: sinks, on: connection).due
    }

    /// How many deliveries of `sink` are due, counting no further than `atMost`.
    public func dueCount(sink: String, atMost: Int, on connection: PostgresConnection) throws -> Int {
        try connection.query(OutboxSQL.dueCount, [sink, String(atMost)]).single("due", as: Int.self)
    }

    /// What an idle worker of `sinks` waits for: the next due delivery or lease expiry (nil: none),
    /// and whether all of them are paused (then nothing ingest commits is theirs to deliver).
    public func idleState(sinks: [String], on connection: PostgresConnection) throws -> (due: Duration?, paused: Bool) {
        let rows = try connection.query(OutboxSQL.nextDue, [sinks.postgresText])
        let paused = try rows.single("paused", as: Bool.self)
        guard let micros = try rows[0].decodeIfPresent("micros", as: Int64.self) else { return (nil, paused) }
        return (.microseconds(max(micros, 0)), paused)
    }
}
