import Foundation
import PostgresClient
import Testing
@testable import StatushookCore

/// 0009_trust_products.sql: the moves Twilio's documentation implies, re-evaluated on rows
/// recorded before it, and each resource's kind as callbacks, the API and the reconciler tell it.
@Suite("0009: documented moves and the kind of each resource")
struct MigrationTrustProductsTests {
    private static let account = "AC0123456789abcdef0123456789abcdef"

    private static func sid(_ n: Int) -> String { "BU" + String(repeating: String(n % 10), count: 32) }

    private func migrated(_ body: (PostgresConnection) throws -> Void) throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            try body(connection)
        }
    }

    private static func resource(_ n: Int, _ status: String, kind: ResourceKind?) -> TrustHubResource {
        TrustHubResource(sid: sid(n), kind: kind, accountSid: account, friendlyName: "Acme \(n)", status: status)
    }

    private static func kind(of n: Int, on connection: PostgresConnection) throws -> String? {
        try connection.query("SELECT kind FROM profiles WHERE sid = $1", [sid(n)])[0, "kind"]
    }

    @Test("transitions recorded before 0009 are re-evaluated: the verdicts straight from pending-review are no longer unexpected")
    func reevaluated() throws {
        try MigrationTestDatabase.with { database in
            let connection = try database.connect()
            let before = EmbeddedMigrations.all.filter { $0.version < 9 }
            #expect(before.count == 8)
            _ = try MigrationRunner.apply(before, on: connection)
            // As 0008's functions flagged them: every pair below was unexpected then but the first sight.
            try connection.execute("""
                INSERT INTO transitions (sid, from_status, to_status, unexpected, source, occurred_at) VALUES
                    ('\(Self.sid(1))', 'pending-review', 'twilio-approved', true, 'callback', now()),
                    ('\(Self.sid(2))', 'pending-review', 'twilio-rejected', true, 'reconcile', now()),
                    ('\(Self.sid(3))', 'draft', 'twilio-approved', true, 'callback', now()),
                    ('\(Self.sid(4))', 'pending-review', 'surprise-status', true, 'callback', now()),
                    ('\(Self.sid(5))', NULL, 'in-review', false, 'callback', now()),
                    ('\(Self.sid(6))', 'twilio-rejected', 'twilio-approved', true, 'callback', now())
                """)
            _ = try MigrationRunner.apply(EmbeddedMigrations.all, on: connection)
            let flags = try connection.query("SELECT from_status, to_status, unexpected FROM transitions ORDER BY id").rows
            #expect(flags == [
                ["pending-review", "twilio-approved", "f"],
                ["pending-review", "twilio-rejected", "f"],
                ["draft", "twilio-approved", "t"],
                ["pending-review", "surprise-status", "t"],
                [nil, "in-review", "f"],
                ["twilio-rejected", "twilio-approved", "t"],
            ])
            // And a new one is recorded expected too.
            _ = try TrustHubStore.recordReconciled(Self.resource(7, "pending-review", kind: nil), sinks: [], on: connection)
            let id = try #require(try TrustHubStore.recordReconciled(Self.resource(7, "twilio-approved", kind: nil), sinks: [],
                                                                     on: connection))
            #expect(try connection.query("SELECT unexpected FROM transitions WHERE id = $1", [String(id)])[0, "unexpected"] == "f")
        }
    }

    @Test("the API's kind replaces what a callback's name told; a store without a kind keeps the stored one")
    func storedKind() throws {
        try migrated { connection in
            _ = try TrustHubStore.recordReconciled(Self.resource(1, "draft", kind: nil), sinks: [], on: connection)
            #expect(try Self.kind(of: 1, on: connection) == nil)
            try TrustHubStore.store([Self.resource(1, "draft", kind: .trustProduct)], on: connection)
            #expect(try Self.kind(of: 1, on: connection) == "trust_product")
            try TrustHubStore.store([Self.resource(1, "draft", kind: nil)], on: connection)
            #expect(try Self.kind(of: 1, on: connection) == "trust_product")
            try TrustHubStore.store([Self.resource(1, "draft", kind: .customerProfile)], on: connection)
            #expect(try Self.kind(of: 1, on: connection) == "customer_profile")
            let stored = try #require(try TrustHubStore.profiles(sids: [Self.sid(1)], on: connection)[Self.sid(1)])
            #expect(stored.kind == .customerProfile)
        }
    }

    @Test("the reconciler's kind is stored with a first sight and with a change")
    func reconciledKind() throws {
        try migrated { connection in
            _ = try TrustHubStore.recordReconciled(Self.resource(1, "draft", kind: .trustProduct), sinks: [], on: connection)
            #expect(try Self.kind(of: 1, on: connection) == "trust_product")
            _ = try TrustHubStore.recordReconciled(Self.resource(2, "draft", kind: nil), sinks: [], on: connection)
            _ = try TrustHubStore.recordReconciled(Self.resource(2, "pending-review", kind: .customerProfile), sinks: [], on: connection)
            #expect(try Self.kind(of: 2, on: connection) == "customer_profile")
        }
    }

    @Test("the functions of the previous release still record, with no kind (a rolling upgrade)")
    func previousSignatures() throws {
        try migrated { connection in
            let old = """
                SELECT ord, result FROM statushook_record_callbacks(
                    ARRAY['t:x'], ARRAY['x'], ARRAY['req'], ARRAY['\(Self.sid(1))'], ARRAY[NULL::text], ARRAY['draft'],
                    ARRAY[NULL::text], ARRAY['{}'::jsonb], ARRAY['raw'], ARRAY['/callbacks/twilio'], ARRAY[''],
                    ARRAY['application/x-www-form-urlencoded'], ARRAY['127.0.0.1'], ARRAY[now()], ARRAY[true], ARRAY['log'])
                """
            #expect(try connection.query(old).rows == [["1", "recorded"]])
            let single = try connection.query("""
                SELECT result FROM statushook_record_callback('t:y', 'y', 'req', '\(Self.sid(2))', NULL, 'draft', NULL, '{}'::jsonb,
                    'raw', '/callbacks/twilio', '', 'application/x-www-form-urlencoded', '127.0.0.1', now(), true, ARRAY['log'])
                """)
            #expect(single[0, "result"] == "recorded")
            let reconciled = try connection.query("""
                SELECT transition_id FROM statushook_record_reconciled('\(Self.sid(3))', NULL, 'draft', true, ARRAY[]::text[])
                """)
            #expect(reconciled[0, "transition_id"] != nil)
            #expect(try connection.query("SELECT count(*) AS n FROM profiles WHERE kind IS NULL")[0, "n"] == "3")
        }
    }
}
