import PostgresClient

/// What `/readyz` says of the read replica (`read_database_url`), from one row of ``sql``.
struct ReplicaLag: Equatable {
    /// Whether the server is a standby, its replay is level with what it received, how many
    /// seconds ago it replayed its last transaction, and how many bytes of WAL wait for replay.
    static let sql = """
        SELECT pg_is_in_recovery(),
               COALESCE(pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn(), true),
               extract(epoch FROM now() - pg_last_xact_replay_timestamp()),
               COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)
        """

    var isStandby: Bool
    var caughtUp: Bool
    var secondsSinceReplay: Double?
    var bytesBehind: Int64

    init(isStandby: Bool, caughtUp: Bool, secondsSinceReplay: Double?, bytesBehind: Int64) {
        self.isStandby = isStandby
        self.caughtUp = caughtUp
        self.secondsSinceReplay = secondsSinceReplay
        self.bytesBehind = bytesBehind
    }

    init(row: [String?]) {
        func value(_ index: Int) -> String? { row.indices.contains(index) ? row[index] : nil }
        isStandby = value(0).flatMap(Bool.init(postgresText:)) ?? false
        caughtUp = value(1).flatMap(Bool.init(postgresText:)) ?? true
        secondsSinceReplay = value(2).flatMap(Double.init)
        bytesBehind = value(3).flatMap { Double($0) }.map { Int64($0) } ?? 0
    }

    /// Lag is 0 when everything received is replayed (an idle primary sends nothing new, and
    /// the age of the last replayed transaction is then no lag); else the age of the last replay.
    var lagSeconds: Double {
        caughtUp ? 0 : max(secondsSinceReplay ?? 0, 0)
    }

    var detail: String {
        guard isStandby else { return "not a standby (it accepts writes); reads go to it" }
        let seconds = (lagSeconds * 1000).rounded() / 1000
        return caughtUp
            ? "standby; replay lag 0 s (caught up)"
            : "standby; replay lag \(seconds) s (\(bytesBehind) bytes of WAL not replayed yet)"
    }

    static func awayDetail(_ error: any Error) -> String {
        let message = (error as? PostgresError)?.message ?? "\(error)"
        return "unreachable, reads go to the primary: \(message)"
    }
}
