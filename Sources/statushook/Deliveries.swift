import ArgumentParser
import PostgresClient
import StatushookCore

struct Deliveries: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List deliveries (newest first) with their state, attempts and last error.")

    @OptionGroup var options: ConfigurationOptions

    @Option(help: "Only deliveries in this state: pending, delivering, delivered or dead.")
    var state: String?

    @Option(help: "Only deliveries to this sink.")
    var sink: String?

    @Option(help: "Only deliveries about this profile (BU…).")
    var sid: String?

    @Option(help: "How many to show.")
    var limit = 50

    func validate() throws {
        if let state, !["pending", "delivering", "delivered", "dead"].contains(state) {
            throw ValidationError("--state takes pending, delivering, delivered or dead")
        }
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit takes 1 to 10000") }
    }

    func run() throws {
        let configuration = try options.load()
        let rows = try withReadDatabase(configuration) { connection in
            try OutboxStore().list(state: state, sink: sink, sid: sid, limit: limit, on: connection)
        }
        let table = rows.map { row -> [String] in
            let about: String
            switch row.subject {
            case .transition(_, let sid, let from, let to): about = "\(sid) \(from ?? "∅") → \(to)"
            case .notice(_, let sink): about = "notice: sink \(sink) paused"
            }
            return [String(row.id), row.sink, row.state, String(row.attempts), about, row.createdAt, row.lastError ?? ""]
        }
        print(TextTable.render(header: ["ID", "SINK", "STATE", "ATTEMPTS", "ABOUT", "CREATED", "LAST ERROR"], rows: table))
        if rows.isEmpty { print("(no deliveries)") }
    }
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-queue dead (or, with --delivered, delivered) deliveries by id, sink or time range.")

    @OptionGroup var options: ConfigurationOptions

    @Option(name: .customLong("id"), help: "A delivery id (repeatable).")
    var ids: [Int64] = []

    @Option(help: "Every matching delivery of this sink.")
    var sink: String?

    @Option(help: "Deliveries created at or after this time (RFC 3339).")
    var from: String?

    @Option(help: "Deliveries created before this time (RFC 3339).")
    var to: String?

    @Flag(help: "Also re-queue deliveries that were delivered (to send them again).")
    var delivered = false

    func validate() throws {
        if ids.isEmpty && sink == nil && from == nil && to == nil {
            throw ValidationError("say which deliveries: --id, --sink, or --from/--to")
        }
    }

    func run() throws {
        let configuration = try options.load()
        let states: Set<ReplayableState> = delivered ? [.dead, .delivered] : [.dead]
        let count = try withDatabase(configuration) { connection in
            try OutboxStore().replay(ids: ids.isEmpty ? nil : ids, sink: sink, from: from, to: to,
                                     states: states, on: connection)
        }
        print("re-queued \(count) deliver\(count == 1 ? "y" : "ies")")
    }
}

/// Runs `body`, which only reads, on the read replica (`read_database_url`) when one is set, or
/// on the primary when there is none or it does not answer; a failure is printed and exits 1.
func withReadDatabase<T>(_ configuration: Configuration, _ body: (PostgresConnection) throws -> T) throws -> T {
    do {
        let pool = configuration.makeReadPool(maxConnections: 1)
        defer { pool.closeAll() }
        return try pool.withConnection(body)
    } catch {
        printError("statushook: \(error)")
        throw ExitCode(1)
    }
}

/// Runs `body` on a connection to the configured database; a failure is printed and exits 1.
func withDatabase<T>(_ configuration: Configuration, _ body: (PostgresConnection) throws -> T) throws -> T {
    do {
        let connection = try configuration.database.connect()
        defer { connection.close() }
        return try body(connection)
    } catch {
        printError("statushook: \(error)")
        throw ExitCode(1)
    }
}

struct Sinks: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the configured sinks and which are paused; --resume NAME delivers a paused sink's backlog again.")

    @OptionGroup var options: ConfigurationOptions

    @Option(help: "Resume this paused sink: its waiting deliveries go out again.")
    var resume: String?

    func run() throws {
        let configuration = try options.load()
        let store = OutboxStore()
        if let resume {
            guard configuration.sinks.contains(where: { $0.name == resume }) else {
                printError("statushook sinks: no sink named '\(resume)' in the configuration")
                throw ExitCode(1)
            }
            let resumed = try withDatabase(configuration) { try store.resume(sink: resume, on: $0) }
            print(resumed ? "resumed \(resume)" : "\(resume) was not paused")
            return
        }
        let paused = try withDatabase(configuration) { try store.pausedSinks(on: $0) }
        let rows = configuration.sinks.map { sink -> [String] in
            let kind = sink.kind.typeName
            let pause = paused.first { $0.sink == sink.name }
            return [sink.name, kind, pause == nil ? "active" : "paused", pause?.reason ?? ""]
        }
        print(TextTable.render(header: ["SINK", "TYPE", "STATE", "PAUSED BECAUSE"], rows: rows))
    }
}
