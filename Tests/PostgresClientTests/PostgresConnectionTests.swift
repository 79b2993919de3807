import Foundation
import PostgresClient
import Synchronization
import Testing

@Suite("PostgresConnection against a real server")
struct PostgresConnectionTests {
    @Test("parameters travel as text: NULL stays NULL and non-ASCII text round-trips byte for byte")
    func parameters() throws {
        let connection = try TestDatabase.connect()
        let text = "grüße, 東京 🚀 \"quoted\" 'single'; DROP TABLE x; --"
        let rows = try connection.query("SELECT $1::text AS a, $2::text AS b, $3::int + 1 AS c", [text, nil, "41"])
        #expect(rows.columns == ["a", "b", "c"])
        #expect(rows.count == 1)
        #expect(rows[0, "a"] == text)
        #expect(rows[0, "b"] == nil)
        #expect(rows.first?["c"] == "42")
        #expect(Array(rows[0, "a"]!.utf8) == Array(text.utf8))
    }

    @Test("a unique violation carries SQLSTATE 23505 and its detail, and the connection stays usable")
    func uniqueViolation() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE t (id int PRIMARY KEY)")
        _ = try connection.query("INSERT INTO t VALUES ($1)", ["1"])
        let error = try #require(throws: PostgresError.self) {
            _ = try connection.query("INSERT INTO t VALUES ($1)", ["1"])
        }
        #expect(error.kind == .queryFailed)
        #expect(error.sqlState == "23505")
        #expect(error.detail == "Key (id)=(1) already exists.")
        #expect(!error.isConnectionProblem)
        #expect(connection.isHealthy)
        #expect(try connection.query("SELECT count(*) AS n FROM t")[0, "n"] == "1")
    }

    @Test("a syntax error is a queryFailed with SQLSTATE 42601")
    func syntaxError() throws {
        let connection = try TestDatabase.connect()
        let error = try #require(throws: PostgresError.self) {
            _ = try connection.query("SELEC 1")
        }
        #expect(error.kind == .queryFailed)
        #expect(error.sqlState == "42601")
        #expect(error.message.contains("syntax error"))
    }

    @Test("execute runs several statements at once; affectedRows counts what a statement touched")
    func executeAndAffectedRows() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("""
            CREATE TEMP TABLE t (id int, v text);
            INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');
            """)
        #expect(try connection.query("UPDATE t SET v = $1 WHERE id >= $2", ["z", "2"]).affectedRows == 2)
        #expect(try connection.query("SELECT * FROM t ORDER BY id").map { $0["v"] } == ["a", "z", "z"])
    }

    @Test("a prepared statement runs again and again with new parameters")
    func prepared() throws {
        let connection = try TestDatabase.connect()
        try connection.prepare("double", "SELECT $1::int * 2 AS n")
        #expect(try connection.queryPrepared("double", ["21"])[0, "n"] == "42")
        #expect(try connection.queryPrepared("double", [nil])[0, "n"] == nil)
    }

    @Test("a parameter holding a NUL is refused before it reaches the server")
    func nulParameter() throws {
        let connection = try TestDatabase.connect()
        let error = try #require(throws: PostgresError.self) {
            _ = try connection.query("SELECT $1::text", ["a\u{0}b"])
        }
        #expect(error.kind == .queryFailed)
        #expect(connection.isHealthy)
    }

    @Test("a NOTIFY reaches a listener on an oddly named channel; with nothing sent the wait times out empty")
    func listenNotify() throws {
        let listener = try TestDatabase.connect()
        let notifier = try TestDatabase.connect()
        let channel = "shk \"t\"; SELECT 1; -- \(UUID().uuidString.prefix(8))"
        try listener.listen(channel)

        try notifier.notify(channel, payload: "héllo")
        let received = try listener.waitForNotifications(timeout: .seconds(5))
        #expect(received == [PostgresNotification(channel: channel, payload: "héllo", backendPID: notifier.backendPID)])

        let start = ContinuousClock.now
        #expect(try listener.waitForNotifications(timeout: .milliseconds(200)).isEmpty)
        #expect(ContinuousClock.now - start >= .milliseconds(190))

        try listener.unlisten(channel)
        try notifier.notify(channel, payload: "ignored")
        #expect(try listener.waitForNotifications(timeout: .milliseconds(100)).isEmpty)
    }

    @Test("notifications sent in one transaction arrive together, after its commit")
    func notifyOnCommit() throws {
        let listener = try TestDatabase.connect()
        let notifier = try TestDatabase.connect()
        let channel = "statushook_\(UUID().uuidString)"
        try listener.listen(channel)
        try notifier.transaction {
            try notifier.notify(channel, payload: "1")
            try notifier.notify(channel, payload: "2")
            #expect(try listener.waitForNotifications(timeout: .milliseconds(100)).isEmpty)
        }
        var payloads: [String] = []
        while payloads.count < 2 {
            let batch = try listener.waitForNotifications(timeout: .seconds(5))
            try #require(!batch.isEmpty)
            payloads += batch.map(\.payload)
        }
        #expect(payloads == ["1", "2"])
    }

    @Test("a connection whose server process was terminated throws a connection problem on its next statement")
    func connectionLost() throws {
        let connection = try TestDatabase.connect()
        try TestDatabase.terminate(connection.backendPID)
        let error = try #require(throws: PostgresError.self) {
            _ = try connection.query("SELECT 1")
        }
        #expect(error.isConnectionProblem)
        #expect(error.kind == .connectionLost)
        #expect(!connection.isHealthy)
        let again = try #require(throws: PostgresError.self) { try connection.execute("SELECT 1") }
        #expect(again.kind == .connectionLost)
    }

    @Test("waiting for notifications on a terminated connection throws connectionLost")
    func connectionLostWhileListening() throws {
        let connection = try TestDatabase.connect()
        try connection.listen("statushook_lost")
        let pid = connection.backendPID
        let terminated = onThread {
            Thread.sleep(forTimeInterval: 0.2)
            try? TestDatabase.terminate(pid)
        }
        let error = try #require(throws: PostgresError.self) {
            while true { _ = try connection.waitForNotifications(timeout: .seconds(5)) }
        }
        #expect(error.kind == .connectionLost)
        terminated.wait()
    }

    @Test("an idle connection the server closed reports itself unhealthy")
    func idleHealth() throws {
        let connection = try TestDatabase.connect()
        #expect(connection.isHealthy)
        try TestDatabase.terminate(connection.backendPID)
        #expect(!connection.isHealthy)
    }

    @Test("connecting to a closed port fails with connectionFailed")
    func closedPort() throws {
        let error = try #require(throws: PostgresError.self) {
            _ = try PostgresConnection.connect("host=127.0.0.1 port=1 user=postgres connect_timeout=5")
        }
        #expect(error.kind == .connectionFailed)
        #expect(error.isConnectionProblem)
        #expect(error.message.contains("refused"))
    }

    @Test("a malformed connection string fails with connectionFailed")
    func malformed() throws {
        let error = try #require(throws: PostgresError.self) {
            _ = try PostgresConnection.connect("host=/tmp nonsense_option=1")
        }
        #expect(error.kind == .connectionFailed)
        #expect(error.message.contains("nonsense_option"))
    }

    @Test("application_name is statushook unless the connection string names one; a postgres:// URL works too")
    func applicationName() throws {
        let plain = try TestDatabase.connect()
        #expect(try plain.query("SELECT current_setting('application_name') AS a")[0, "a"] == "statushook")
        let url = try TestDatabase.urlForm(adding: ["application_name": "statushook-test"])
        let named = try PostgresConnection.connect(url)
        #expect(try named.query("SELECT current_setting('application_name') AS a")[0, "a"] == "statushook-test")
        let overridden = try PostgresConnection.connect(TestDatabase.url(), overriding: ["application_name": "other"])
        #expect(try overridden.query("SELECT current_setting('application_name') AS a")[0, "a"] == "other")
        #expect(try plain.query("SHOW client_encoding")[0, "client_encoding"] == "UTF8")
    }

    @Test("NOTICEs and WARNINGs go to the closure (never to stderr)")
    func notices() throws {
        let received = Mutex<[PostgresNotice]>([])
        let connection = try TestDatabase.connect { notice in received.withLock { $0.append(notice) } }
        try connection.execute("DO $$ BEGIN RAISE NOTICE 'hello %', 1; RAISE WARNING 'careful'; END $$")
        let notices = received.withLock { $0 }
        #expect(notices.map(\.message) == ["hello 1", "careful"])
        #expect(notices.map(\.severity) == ["NOTICE", "WARNING"])
        #expect(notices.first?.sqlState == "00000")
    }

    @Test("transaction commits on success and rolls back when its body throws")
    func transaction() throws {
        struct Oops: Error {}
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE t (id int)")
        try connection.transaction { _ = try connection.query("INSERT INTO t VALUES (1)") }
        #expect(throws: Oops.self) {
            try connection.transaction {
                _ = try connection.query("INSERT INTO t VALUES (2)")
                throw Oops()
            }
        }
        #expect(!connection.isInTransaction)
        #expect(try connection.query("SELECT id FROM t").map { $0["id"] } == ["1"])
    }

    @Test("a transaction whose body swallowed a failed statement throws instead of a silent rollback")
    func transactionAborted() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE t (id int PRIMARY KEY)")
        let error = try #require(throws: PostgresError.self) {
            try connection.transaction {
                _ = try connection.query("INSERT INTO t VALUES (1)")
                _ = try? connection.query("INSERT INTO t VALUES (1)")
            }
        }
        #expect(error.sqlState == "25P02")
        #expect(!connection.isInTransaction)
        #expect(try connection.query("SELECT count(*) AS n FROM t")[0, "n"] == "0")
    }

    @Test("close is idempotent and later statements throw connectionLost")
    func close() throws {
        let connection = try TestDatabase.connect()
        connection.close()
        connection.close()
        #expect(!connection.isHealthy)
        let error = try #require(throws: PostgresError.self) { _ = try connection.query("SELECT 1") }
        #expect(error.kind == .connectionLost)
    }

    @Test("an endpoint's defaults apply unless the connection string names the same option")
    func endpointDefaults() throws {
        let url = try TestDatabase.url()
        let defaulted = try PostgresEndpoint(url, defaults: ["application_name": "from-default", "connect_timeout": "3"]).connect()
        defer { defaulted.close() }
        #expect(try defaulted.query("SHOW application_name")[0, "application_name"] == "from-default")
        let named = try PostgresEndpoint(try TestDatabase.urlForm(adding: ["application_name": "from-url"]),
                                         defaults: ["application_name": "from-default"]).connect()
        defer { named.close() }
        #expect(try named.query("SHOW application_name")[0, "application_name"] == "from-url")
    }
}
