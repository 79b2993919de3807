import PostgresClient

/// The TrustHub work's SQL, in one place: profile details for events, storing what the API says,
/// recording what the reconciler finds, and the reconciler's advisory lock (0005_trusthub.sql).
///
/// Every method blocks on libpq: a dispatcher or reconciler thread, never the cooperative pool.
public enum TrustHubStore {
    /// The key of `pg_try_advisory_lock` that one reconciler at a time holds ("SHRECONC").
    static let reconcileLockKey = "5999150385418569027"

    /// What each profile's event carries, and whether its API fields predate its last transition.
    struct StoredProfile: Equatable {
        var details: ProfileDetails
        var accountSid: String?
        var status: String
        var kind: ResourceKind?
        /// Never enriched, or enriched before its last transition.
        var stale: Bool
    }

    static let readProfiles = """
        SELECT sid, account_sid, status, kind, friendly_name, policy_sid, email, status_callback,
               statushook_rfc3339(valid_until) AS valid_until, errors::text AS errors,
               statushook_rfc3339(twilio_date_created) AS twilio_date_created,
               statushook_rfc3339(twilio_date_updated) AS twilio_date_updated,
               enriched_at IS NOT NULL AS enriched,
               (enriched_at IS NULL OR enriched_at < date_updated) AS stale
          FROM profiles WHERE sid = ANY($1::text[])
        """

    static func profiles(sids: [String], on connection: PostgresConnection) throws -> [String: StoredProfile] {
        guard !sids.isEmpty else { return [:] }
        var found: [String: StoredProfile] = [:]
        for row in try connection.query(readProfiles, [sids.postgresText]) {
            guard let sid = row["sid"], let status = row["status"] else { continue }
            let details = ProfileDetails(
                friendlyName: row["friendly_name"], enriched: try row.decode("enriched", as: Bool.self), policySid: row["policy_sid"],
                email: row["email"], statusCallback: row["status_callback"], validUntil: row["valid_until"],
                errors: row["errors"].flatMap { JSONValue(parsing: $0) }.flatMap { $0 == .null ? nil : $0 },
                dateCreated: row["twilio_date_created"], dateUpdated: row["twilio_date_updated"])
            found[sid] = StoredProfile(details: details, accountSid: row["account_sid"], status: status,
                                       kind: row["kind"].flatMap(ResourceKind.init(rawValue:)), stale: try row.decode("stale", as: Bool.self))
        }
        return found
    }

    /// Stores the API's fields of `profiles` that statushook knows; returns how many it updated.
    @discardableResult
    static func store(_ profiles: [TrustHubResource], on connection: PostgresConnection) throws -> Int {
        guard !profiles.isEmpty else { return 0 }
        let rows = try connection.query("SELECT statushook_store_profiles($1::jsonb) AS updated",
                                        [JSONValue.array(profiles.map(\.storedJSON)).text])
        return rows.first?["updated"].flatMap { Int($0) } ?? 0
    }

    /// Notes that the API has no such resources (a deleted one, or one of another account),
    /// so that they are not asked for again before their next transition.
    static func markAbsent(sids: [String], on connection: PostgresConnection) throws {
        guard !sids.isEmpty else { return }
        // Rows locked in SID order, as everywhere else.
        _ = try connection.query("""
            UPDATE profiles SET enriched_at = clock_timestamp()
             WHERE sid IN (SELECT sid FROM profiles WHERE sid = ANY($1::text[]) ORDER BY sid FOR UPDATE)
            """, [sids.postgresText])
    }

    /// The current status of each of `sids` that statushook knows.
    static func statuses(sids: [String], on connection: PostgresConnection) throws -> [String: String] {
        guard !sids.isEmpty else { return [:] }
        var statuses: [String: String] = [:]
        for row in try connection.query("SELECT sid, status FROM profiles WHERE sid = ANY($1::text[])",
                                        [sids.postgresText]) {
            if let sid = row["sid"], let status = row["status"] { statuses[sid] = status }
        }
        return statuses
    }

    /// Records `profile.status` as a transition with source `reconcile` when it still differs;
    /// the new transition's id, or nil when it no longer differed.
    static func recordReconciled(_ profile: TrustHubResource, sinks: [String], on connection: PostgresConnection) throws -> Int64? {
        let rows = try connection.query(
            "SELECT transition_id FROM statushook_record_reconciled($1, $2, $3, $4::boolean, $5::text[], $6::text)",
            [profile.sid, profile.accountSid, profile.status,
             TransitionRules.knownStatuses.contains(profile.status).postgresText,
             sinks.postgresText, profile.kind?.rawValue])
        return rows.first?["transition_id"].flatMap { Int64($0) }
    }

    /// True when this session now holds the reconciler's lock (until `unlockReconcile` or disconnect).
    static func tryLockReconcile(on connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT pg_try_advisory_lock(\(reconcileLockKey)::bigint) AS locked").single("locked", as: Bool.self)
    }

    static func unlockReconcile(on connection: PostgresConnection) throws {
        _ = try connection.query("SELECT pg_advisory_unlock(\(reconcileLockKey)::bigint)")
    }
}

extension TrustHubResource {
    /// The fields `statushook_store_profiles` reads; absent ones are left out (NULL).
    var storedJSON: JSONValue {
        var members: [(String, JSONValue)] = [("sid", .string(sid))]
        let optional: [(String, String?)] = [
            ("account_sid", accountSid), ("policy_sid", policySid), ("friendly_name", friendlyName), ("email", email),
            ("status_callback", statusCallback), ("valid_until", validUntil), ("date_created", dateCreated),
            ("date_updated", dateUpdated),
        ]
        for (name, value) in optional {
            if let value { members.append((name, .string(value))) }
        }
        if let errors { members.append(("errors", errors)) }
        if let kind { members.append(("kind", .string(kind.rawValue))) }
        return .object(members)
    }
}
