/// When each open connection must have sent its whole request: the bookkeeping behind the
/// request timeout, as a value without I/O.
///
/// libmicrohttpd's own timeout only measures idleness, so a client that sends one byte before
/// each timeout could hold a connection for days. Here a connection gets `budget` from the
/// moment it may send a request (accepted, or its previous answer sent) until that request is
/// whole; past it, ``expire(at:)`` hands it over to be cut. While the application prepares an
/// answer, and while it is sent, no deadline runs.
public struct RequestDeadlines: Sendable {
    public struct Connection: Sendable, Equatable {
        public var socket: Int32
        public var peer: String
        /// Nil while no request is being received.
        public var deadline: ContinuousClock.Instant?
        /// Set once the connection was handed over by ``expire(at:)``.
        public var cut = false
    }

    public let budget: Duration
    public private(set) var connections: [Int: Connection] = [:]

    public init(budget: Duration) {
        self.budget = budget
    }

    /// A connection was accepted: its first request must arrive within the budget.
    public mutating func opened(_ key: Int, socket: Int32, peer: String, at now: ContinuousClock.Instant) {
        connections[key] = Connection(socket: socket, peer: peer, deadline: now.advanced(by: budget))
    }

    /// The request is whole (or answered on its head alone): its clock stops. False when the
    /// connection was already cut, so that the request is dropped rather than served.
    @discardableResult
    public mutating func requestReceived(_ key: Int) -> Bool {
        guard var connection = connections[key] else { return true }
        guard !connection.cut else { return false }
        connection.deadline = nil
        connections[key] = connection
        return true
    }

    /// The answer went out and the connection stays open: the next request gets a fresh budget.
    public mutating func awaitingRequest(_ key: Int, at now: ContinuousClock.Instant) {
        guard var connection = connections[key], !connection.cut else { return }
        connection.deadline = now.advanced(by: budget)
        connections[key] = connection
    }

    public mutating func closed(_ key: Int) {
        connections[key] = nil
    }

    /// The connections whose deadline has passed, each handed over once (marked cut).
    public mutating func expire(at now: ContinuousClock.Instant) -> [Connection] {
        var expired: [Connection] = []
        for (key, connection) in connections {
            guard let deadline = connection.deadline, deadline <= now else { continue }
            var cut = connection
            cut.deadline = nil
            cut.cut = true
            connections[key] = cut
            expired.append(cut)
        }
        return expired
    }
}
