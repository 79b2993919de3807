import Foundation
import PostgresClient

/// A database of its own for one test: created from template0 on the server named by
/// `STATUSHOOK_TEST_DATABASE_URL`, dropped afterwards.
struct MigrationTestDatabase {
    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "STATUSHOOK_TEST_DATABASE_URL is not set: run scripts/test, which starts PostgreSQL"
        }
    }

    let serverURL: String
    let name: String

    /// Runs `body` with a fresh empty database; fails (never skips) when the variable is unset.
    static func with<T>(_ body: (MigrationTestDatabase) throws -> T) throws -> T {
        guard let url = ProcessInfo.processInfo.environment["STATUSHOOK_TEST_DATABASE_URL"], !url.isEmpty else {
            throw NotConfigured()
        }
        // A generated name, never input: safe to write into the statement.
        let name = "statushook_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try PostgresConnection.connect(url)
        defer { admin.close() }
        try admin.execute("CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8'")
        defer { try? admin.execute("DROP DATABASE \(name) WITH (FORCE)") }
        return try body(MigrationTestDatabase(serverURL: url, name: name))
    }

    /// The database for code that connects by itself. The server's string is `key=value`, as
    /// scripts/lib.sh writes it, so the `dbname` appended here is the one libpq takes.
    var endpoint: PostgresEndpoint {
        PostgresEndpoint(serverURL + " dbname=" + name)
    }

    func connect(onNotice: (@Sendable (PostgresNotice) -> Void)? = nil) throws -> PostgresConnection {
        try PostgresConnection.connect(serverURL, overriding: ["dbname": name], onNotice: onNotice)
    }
}

/// Runs each body on a thread of its own, all released at once, and returns their results in order.
func migrationTestsOnThreads<T: Sendable>(_ bodies: [@Sendable () -> T]) -> [T] {
    let results = ResultBox<T>(count: bodies.count)
    let start = DispatchSemaphore(value: 0)
    let done = DispatchGroup()
    for (index, body) in bodies.enumerated() {
        done.enter()
        Thread.detachNewThread {
            start.wait()
            results.set(index, body())
            done.leave()
        }
    }
    for _ in bodies { start.signal() }
    done.wait()
    return results.values
}

/// Results written by the threads of ``migrationTestsOnThreads(_:)``, each to its own slot.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    // Guarded by `lock`.
    private var slots: [T?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) {
        lock.withLock { slots[index] = value }
    }

    var values: [T] {
        lock.withLock { slots.map { $0! } }
    }
}
