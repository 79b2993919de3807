import Foundation
import PostgresClient
import Testing

@Suite("Warnings kept per connection, interrupting a statement from another thread, a pool's fallback")
struct PostgresInterruptTests {
    @Test("WARNINGs are kept for takeWarnings (oldest first, taken once) and still reach the handler; NOTICEs are not kept")
    func warnings() throws {
        let seen = SeenNotices()
        let connection = try TestDatabase.connect(onNotice: { seen.add($0) })
        defer { connection.close() }
        try connection.execute("DO $$ BEGIN RAISE NOTICE 'n'; RAISE WARNING 'w1'; RAISE WARNING 'w2'; END $$")
        let warnings = connection.takeWarnings()
        #expect(warnings.map(\.message) == ["w1", "w2"])
        #expect(warnings.allSatisfy { $0.severity == "WARNING" && $0.sqlState == "01000" })
        #expect(connection.takeWarnings().isEmpty)
        #expect(seen.messages == ["n", "w1", "w2"])
    }

    @Test("only the last 16 WARNINGs are kept")
    func boundedWarnings() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        try connection.execute("DO $$ BEGIN FOR i IN 1..20 LOOP RAISE WARNING 'w%', i; END LOOP; END $$")
        #expect(connection.takeWarnings().map(\.message) == (5...20).map { "w\($0)" })
    }

    @Test("cancel() from another thread ends a running statement with 57014 and leaves the connection usable")
    func cancel() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let interrupter = try #require(connection.makeInterrupter())
        let started = ContinuousClock.now
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.3)
            _ = interrupter.cancel()
        }
        let error = try #require(throws: PostgresError.self) { _ = try connection.query("SELECT pg_sleep(20)") }
        #expect(error.sqlState == "57014")
        #expect(!error.isConnectionProblem)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(try connection.query("SELECT 1 AS one")[0, "one"] == "1")
    }

    @Test("breakConnection() from another thread ends a blocked statement as a lost connection")
    func breakConnection() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let interrupter = try #require(connection.makeInterrupter())
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.3)
            interrupter.breakConnection()
        }
        let error = try #require(throws: PostgresError.self) { _ = try connection.query("SELECT pg_sleep(20)") }
        #expect(error.kind == .connectionLost)
        #expect(!connection.isHealthy)
    }

    @Test("a pool whose endpoint cannot be reached runs the body on its fallback, and stays there for a while")
    func fallback() throws {
        let nowhere = PostgresEndpoint("host=/nonexistent-statushook-socket-dir port=1 dbname=x connect_timeout=2")
        let pool = PostgresPool(endpoint: nowhere, fallback: PostgresEndpoint(try TestDatabase.url()), maxConnections: 2)
        defer { pool.closeAll() }
        #expect(!pool.isUsingFallback)
        #expect(try pool.withConnection { try $0.query("SELECT 1 AS one")[0, "one"] } == "1")
        #expect(pool.isUsingFallback)
        #expect(try pool.withConnection { try $0.query("SELECT 2 AS two")[0, "two"] } == "2")
    }

    @Test("without a fallback, the pool's connection failure reaches the caller")
    func noFallback() throws {
        let pool = PostgresPool(endpoint: PostgresEndpoint("host=/nonexistent-statushook-socket-dir port=1 dbname=x"),
                                maxConnections: 1)
        defer { pool.closeAll() }
        let error = try #require(throws: PostgresError.self) { try pool.withConnection { _ in 1 } }
        #expect(error.kind == .connectionFailed)
        #expect(!pool.isUsingFallback)
    }
}

/// Notices a handler saw, from libpq's thread.
private final class SeenNotices: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String] = []

    func add(_ notice: PostgresNotice) {
        lock.lock(); defer { lock.unlock() }
        seen.append(notice.message)
    }

    var messages: [String] {
        lock.lock(); defer { lock.unlock() }
        return seen
    }
}
