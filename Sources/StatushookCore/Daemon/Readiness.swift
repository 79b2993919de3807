import Locking

/// What `/readyz` reports: the database reachable and its migrations current.
public final class Readiness: Sendable {
    private struct State {
        var databaseReachable = false
        var databaseDetail = "not connected yet"
        var migrationsCurrent = false
        var migrationsDetail = "not checked yet"
        var writerStarted = false
        /// Lines of the report that do not decide readiness (`trusthub`: the API's state).
        var notes: [(String, String)] = []
    }

    private let state = Locked(State())

    public init() {}

    public func databaseReachable() {
        state.withLock { $0.databaseReachable = true; $0.databaseDetail = "ok" }
    }

    public func databaseLost(_ detail: String) {
        state.withLock { $0.databaseReachable = false; $0.databaseDetail = detail }
    }

    public func migrations(current: Bool, detail: String) {
        state.withLock { $0.migrationsCurrent = current; $0.migrationsDetail = detail }
    }

    /// Called once the writer runs on a schema it knows; callbacks before that get 503.
    public func writerStarted() {
        state.withLock { $0.writerStarted = true }
    }

    /// Sets the report's line `name` (a callback is recorded whatever it says: it is detail only).
    public func note(_ name: String, _ detail: String) {
        state.withLock { state in
            if let index = state.notes.firstIndex(where: { $0.0 == name }) {
                state.notes[index].1 = detail
            } else {
                state.notes.append((name, detail))
            }
        }
    }

    public var acceptsCallbacks: Bool {
        state.withLock { $0.writerStarted }
    }

    /// Ready means a callback sent now would be recorded: the writer runs, the database answers,
    /// the schema is current.
    public var isReady: Bool {
        state.withLock { Self.ready($0) }
    }

    private static func ready(_ state: State) -> Bool {
        state.writerStarted && state.databaseReachable && state.migrationsCurrent
    }

    /// The `/readyz` body.
    public var report: JSONValue {
        state.withLock { state in
            .object([
                ("ready", .bool(Self.ready(state))),
                ("database", .string(state.databaseDetail)),
                ("migrations", .string(state.migrationsDetail)),
                ("ingest", .string(state.writerStarted ? "running" : "starting")),
            ] + state.notes.map { ($0.0, JSONValue.string($0.1)) })
        }
    }
}
