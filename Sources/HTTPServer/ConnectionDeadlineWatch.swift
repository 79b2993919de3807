import Foundation
import Locking
import DurationUnits

/// Cuts the connections whose request did not arrive within its budget (``RequestDeadlines``).
///
/// libmicrohttpd calls `opened`/`closed` on its own threads; one thread of ours looks for
/// expired deadlines every tick and shuts their sockets down, which makes libmicrohttpd see the
/// peer gone and close the connection itself. The socket is shut down under the lock that
/// `closed` takes, and libmicrohttpd closes the descriptor only after `closed` returns, so a
/// descriptor is never touched after it could have been reused.
final class ConnectionDeadlineWatch: Sendable {
    private let deadlines: Locked<RequestDeadlines>
    /// Whether the thread should go on, and whether it has ended or never started (`stop`
    /// waits for that).
    private let thread = LockedCondition((running: true, ended: true))
    private let tickMicroseconds: UInt32
    private let clock = ContinuousClock()
    private let onBreach: @Sendable (HTTPLimitBreach) -> Void

    init(budget: Duration, onBreach: @escaping @Sendable (HTTPLimitBreach) -> Void) {
        deadlines = Locked(RequestDeadlines(budget: budget))
        // A tenth of the budget, between 10 ms and 100 ms: cuts land close to the deadline at no cost.
        let tick = min(max(budget / 10, .milliseconds(10)), .milliseconds(100))
        tickMicroseconds = UInt32(clamping: tick.microseconds(rounded: .down))
        self.onBreach = onBreach
    }

    func start() {
        thread.withLock { $0.ended = false }
        let watch = Thread { [self] in
            // Named from inside (`Thread.name` reaches the system only once `start()` returned).
            #if os(Linux)
            if let comm = fopen("/proc/thread-self/comm", "w") {
                fputs("http-deadlines", comm)
                fclose(comm)
            }
            #endif
            while thread.withLock({ $0.running }) {
                usleep(tickMicroseconds)
                cutExpired()
            }
            thread.withLock { $0.ended = true }
            thread.broadcast()
        }
        watch.start()
    }

    /// Returns once the thread has ended (within a tick).
    func stop() {
        thread.withLock { $0.running = false }
        thread.wait(for: { $0.ended }) { _ in }
    }

    func opened(_ key: Int, socket: Int32, peer: String) {
        let now = clock.now
        deadlines.withLock { $0.opened(key, socket: socket, peer: peer, at: now) }
    }

    func requestReceived(_ key: Int) -> Bool {
        deadlines.withLock { $0.requestReceived(key) }
    }

    func awaitingRequest(_ key: Int) {
        let now = clock.now
        deadlines.withLock { $0.awaitingRequest(key, at: now) }
    }

    func closed(_ key: Int) {
        deadlines.withLock { $0.closed(key) }
    }

    private func cutExpired() {
        let now = clock.now
        let expired = deadlines.withLock { deadlines in
            let expired = deadlines.expire(at: now)
            for connection in expired where connection.socket >= 0 {
                _ = shutdown(connection.socket, Int32(SHUT_RDWR))
            }
            return expired
        }
        for connection in expired {
            onBreach(HTTPLimitBreach(reason: .requestTimeout, peer: connection.peer))
        }
    }
}
