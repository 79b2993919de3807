import Dispatch
import Locking
import DurationUnits

/// A small thread-safe pool of connections to one database, each handed to one thread at a time.
///
/// Connections are made lazily, up to `maxConnections`. Like ``PostgresConnection`` it blocks, so
/// it belongs on threads the caller owns. A connection that LISTENs belongs outside the pool.
///
/// With a `fallback` (a replica's pool falling back to the primary, for reads only), a body whose
/// connection could not be made or was lost runs again on the fallback, which serves alone for
/// ``fallbackPeriod`` before the endpoint is tried again.
public final class PostgresPool: Sendable {
    /// How long reads stay on the fallback after the endpoint failed.
    public static let fallbackPeriod = Duration.seconds(5)

    private let endpoint: PostgresEndpoint
    private let acquireTimeout: Duration
    private let onNotice: (@Sendable (PostgresNotice) -> Void)?
    private let fallback: PostgresPool?
    /// Until when the fallback serves alone.
    private let awayUntil = Locked<ContinuousClock.Instant?>(nil)
    /// One permit per connection that may exist; a caller holds one for the length of its body.
    private let permits: DispatchSemaphore
    /// Connections nobody uses right now; the mutex is what hands each to one thread at a time.
    private let state = Locked(State())

    private struct State {
        var idle: [PostgresConnection] = []
        var isClosed = false
    }

    /// - Parameters:
    ///   - acquireTimeout: how long ``withConnection(_:)`` waits for a free connection before it
    ///     throws `poolExhausted`.
    public init(
        endpoint: PostgresEndpoint,
        fallback: PostgresEndpoint? = nil,
        maxConnections: Int,
        acquireTimeout: Duration = .seconds(10),
        onNotice: (@Sendable (PostgresNotice) -> Void)? = nil
    ) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.fallback = fallback.map { PostgresPool(endpoint: $0, maxConnections: maxConnections,
                                                    acquireTimeout: acquireTimeout, onNotice: onNotice) }
        self.endpoint = endpoint
        self.acquireTimeout = acquireTimeout
        self.onNotice = onNotice
        self.permits = DispatchSemaphore(value: maxConnections)
    }

    /// Runs `body` with a healthy connection, connecting when no idle one is left.
    ///
    /// The connection goes back to the pool afterwards, unless `body` threw a connection problem,
    /// or left it unhealthy or inside a transaction: then it is closed. Waits up to the pool's
    /// `acquireTimeout` when all connections are in use, then throws `poolExhausted`.
    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard let fallback else { return try withOwnConnection(body) }
        if isUsingFallback { return try fallback.withConnection(body) }
        do {
            return try withOwnConnection(body)
        } catch let error as PostgresError where error.isConnectionProblem && error.kind != .poolExhausted {
            awayUntil.withLock { $0 = .now + Self.fallbackPeriod }
            return try fallback.withConnection(body)
        }
    }

    /// Whether bodies run on the fallback now (the endpoint failed less than ``fallbackPeriod`` ago).
    public var isUsingFallback: Bool {
        guard fallback != nil, let until = awayUntil.withLock({ $0 }) else { return false }
        return ContinuousClock.now < until
    }

    private func withOwnConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard permits.wait(timeout: .now() + acquireTimeout.dispatchInterval) == .success else {
            throw PostgresError(kind: .poolExhausted, message: "all connections stayed in use for \(acquireTimeout)")
        }
        defer { permits.signal() }

        let connection = try checkOut()
        do {
            let value = try body(connection)
            checkIn(connection)
            return value
        } catch let error as PostgresError where error.isConnectionProblem {
            connection.close()
            throw error
        } catch {
            checkIn(connection)
            throw error
        }
    }

    /// Closes the idle connections now and those in use when they come back; later calls throw.
    public func closeAll() {
        let idle = state.withLock { state in
            state.isClosed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        idle.forEach { $0.close() }
        fallback?.closeAll()
    }

    /// How many connections sit idle (for metrics and tests).
    public var idleCount: Int {
        state.withLock { $0.idle.count }
    }

    private func checkOut() throws(PostgresError) -> PostgresConnection {
        while true {
            let next: PostgresConnection?? = state.withLock { state in
                state.isClosed ? nil : .some(state.idle.popLast())
            }
            guard let candidate = next else {
                throw PostgresError(kind: .connectionFailed, message: "the pool is closed")
            }
            guard let connection = candidate else {
                return try endpoint.connect(onNotice: onNotice)
            }
            if connection.isHealthy { return connection }
            connection.close()
        }
    }

    private func checkIn(_ connection: PostgresConnection) {
        guard connection.isHealthy, !connection.isInTransaction else {
            connection.close()
            return
        }
        let keep = state.withLock { state in
            if state.isClosed { return false }
            state.idle.append(connection)
            return true
        }
        if !keep { connection.close() }
    }
}
