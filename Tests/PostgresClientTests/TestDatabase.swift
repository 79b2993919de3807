import Foundation
import PostgresClient

/// The server these tests run against: `STATUSHOOK_TEST_DATABASE_URL`, which scripts/test sets.
enum TestDatabase {
    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "STATUSHOOK_TEST_DATABASE_URL is not set: run scripts/test, which starts PostgreSQL"
        }
    }

    /// The connection string; throws (failing the test, never skipping it) when it is unset.
    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["STATUSHOOK_TEST_DATABASE_URL"], !url.isEmpty else {
            throw NotConfigured()
        }
        return url
    }

    static func connect(onNotice: (@Sendable (PostgresNotice) -> Void)? = nil) throws -> PostgresConnection {
        try PostgresConnection.connect(url(), onNotice: onNotice)
    }

    /// Ends `pid`'s session from another connection and waits until that process is gone.
    static func terminate(_ pid: Int32) throws {
        let admin = try connect()
        defer { admin.close() }
        let rows = try admin.query("SELECT pg_terminate_backend($1::int, 5000) AS done", [String(pid)])
        precondition(rows[0, "done"] == "t", "could not terminate backend \(pid)")
    }

    /// The test URL as a `postgresql://` URL with `extra` query parameters, whichever form it has.
    static func urlForm(adding extra: [String: String]) throws -> String {
        let url = try url()
        var parameters: [(String, String)] = []
        var base = "postgresql://"
        if url.contains("://") {
            base = url
        } else {
            for pair in url.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                parameters.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : ""))
            }
        }
        parameters += extra.sorted { $0.key < $1.key }
        let query = parameters.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
        return base + (base.contains("?") ? "&" : "?") + query
    }

    private static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}

/// Runs `body` on a thread of its own (libpq blocks; these tests keep it off Swift's pool where
/// they wait on each other), and returns a semaphore signalled when it ends.
func onThread(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        body()
        done.signal()
    }
    return done
}
