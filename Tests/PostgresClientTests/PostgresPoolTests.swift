import Foundation
import PostgresClient
import Testing

@Suite("PostgresPool against a real server")
struct PostgresPoolTests {
    private func pid(_ pool: PostgresPool) throws -> Int32 {
        try pool.withConnection { $0.backendPID }
    }

    @Test("a returned connection is reused")
    func reuse() throws {
        let pool = try PostgresPool(endpoint: PostgresEndpoint(TestDatabase.url()), maxConnections: 2)
        defer { pool.closeAll() }
        let first = try pid(pool)
        #expect(pool.idleCount == 1)
        #expect(try pid(pool) == first)
    }

    @Test("a connection whose body hit a connection problem is discarded, and the error reaches the caller")
    func discardOnConnectionProblem() throws {
        let pool = try PostgresPool(endpoint: PostgresEndpoint(TestDatabase.url()), maxConnections: 2)
        defer { pool.closeAll() }
        let first = try pid(pool)
        let error = try #require(throws: PostgresError.self) {
            try pool.withConnection { connection in
                try TestDatabase.terminate(connection.backendPID)
                _ = try connection.query("SELECT 1")
            }
        }
        #expect(error.isConnectionProblem)
        #expect(pool.idleCount == 0)
        #expect(try pid(pool) != first)
    }

    @Test("a connection left unhealthy is discarded even when the body swallowed the error")
    func discardUnhealthy() throws {
        let pool = try PostgresPool(endpoint: PostgresEndpoint(TestDatabase.url()), maxConnections: 1)
        defer { pool.closeAll() }
        let first = try pool.withConnection { connection in
            try TestDatabase.terminate(connection.backendPID)
            _ = try? connection.query("SELECT 1")
            return connection.backendPID
        }
        #expect(pool.idleCount == 0)
        #expect(try pid(pool) != first)
    }

    @Test("an idle connection the server closed is replaced before the body sees it")
    func replaceDeadIdle() throws {
        let pool = try PostgresPool(endpoint: PostgresEndpoint(TestDatabase.url()), maxConnections: 1)
        defer { pool.closeAll() }
        let first = try pid(pool)
        try TestDatabase.terminate(first)
        let second = try pool.withConnection { connection in
            try connection.query("SELECT pg_backend_pid() AS pid")[0, "pid"]
        }
        #expect(second != nil && second != String(first))
    }

    @Test("a connection left inside a transaction is not reused")
    func discardInTransaction() throws {
        let pool = try PostgresPool(endpoint: PostgresEndpoint(TestDatabase.url()), maxConnections: 1)
        defer { pool.closeAll() }
        try pool.withConnection { try $0.execute("BEGIN") }
        #expect(pool.idleCount == 0)
        #expect(try pool.withConnection { $0.isInTransaction } == false)
    }

    @Test("a query error keeps the connection in the pool")
    func keepAfterQueryError() throws {
        let pool = try PostgresPool(endpoint: PostgresEndpoint(TestDatabase.url()), maxConnections: 1)
        defer { pool.closeAll() }
        let first = try pid(pool)
        #expect(throws: PostgresError.self) { try pool.withConnection { _ = try $0.query("SELEC 1") } }
        #expect(try pid(pool) == first)
    }

    @Test("when every connection is in use the pool waits its bounded time, then throws poolExhausted")
    func exhausted() throws {
        let pool = try PostgresPool(endpoint: PostgresEndpoint(TestDatabase.url()), maxConnections: 1, acquireTimeout: .milliseconds(200))
        defer { pool.closeAll() }
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = onThread {
            do {
                try pool.withConnection { _ in
                    holding.signal()
                    release.wait()
                }
            } catch {
                // Never leave the test waiting: with nothing held, the expectations below fail.
                holding.signal()
            }
        }
        holding.wait()
        let start = ContinuousClock.now
        let error = try #require(throws: PostgresError.self) { try pool.withConnection { _ in } }
        #expect(error.kind == .poolExhausted)
        #expect(ContinuousClock.now - start >= .milliseconds(190))
        release.signal()
        done.wait()
        #expect(try pool.withConnection { $0.isHealthy })
    }

    @Test("threads sharing a pool never get the same connection at once")
    func concurrentUse() throws {
        let pool = try PostgresPool(endpoint: PostgresEndpoint(TestDatabase.url()), maxConnections: 3)
        defer { pool.closeAll() }
        let threads = (0..<6).map { _ in
            onThread {
                for _ in 0..<20 {
                    _ = try? pool.withConnection { connection in
                        try connection.query("SELECT pg_sleep(0.001)")
                    }
                }
            }
        }
        threads.forEach { $0.wait() }
        #expect(pool.idleCount <= 3)
        #expect(pool.idleCount >= 1)
    }

    @Test("closeAll closes the idle connections, and the pool refuses later work")
    func closeAll() throws {
        let pool = try PostgresPool(endpoint: PostgresEndpoint(TestDatabase.url()), maxConnections: 1)
        _ = try pid(pool)
        pool.closeAll()
        #expect(pool.idleCount == 0)
        #expect(throws: PostgresError.self) { try pool.withConnection { _ in } }
    }

    @Test("a pool whose server is unreachable throws connectionFailed")
    func unreachable() throws {
        let pool = PostgresPool(endpoint: PostgresEndpoint("host=127.0.0.1 port=1 connect_timeout=5"), maxConnections: 1)
        let error = try #require(throws: PostgresError.self) { try pool.withConnection { _ in } }
        #expect(error.kind == .connectionFailed)
    }
}
