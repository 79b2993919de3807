import Foundation
import Locking

/// The threads of one ``BackgroundService``: started by name, asked to stop together, and
/// waited for. Their sleeps end early when a stop is asked, so that none outlives `stop` by
/// more than the call it is blocked in.
final class ServiceThreads: Sendable {
    private struct State {
        var stopping = false
        var running = 0
        /// Moves on each `wake()`: a sleeper woken early for another reason than a stop.
        var nudges: UInt64 = 0
    }

    /// Broadcast on a stop, a nudge, and each thread's end.
    private let state = LockedCondition(State())

    init() {}

    var isStopping: Bool {
        state.withLock { $0.stopping }
    }

    /// Threads started and not yet ended.
    var running: Int {
        state.withLock { $0.running }
    }

    /// Starts `body` on a thread named `name`, unless a stop was asked (then returns false).
    @discardableResult
    func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        let started = state.withLock { state in
            guard !state.stopping else { return false }
            state.running += 1
            return true
        }
        guard started else { return false }
        let thread = Thread { [state] in
            Self.nameCurrentThread(name)
            body()
            state.withLock { $0.running -= 1 }
            state.broadcast()
        }
        thread.start()
        return true
    }

    /// Gives the system the thread's name (`top -H`, /proc/<pid>/task/*/comm; 15 bytes on
    /// Linux), from the thread itself: `Thread.name` reaches the system only once `start()` has
    /// returned in the parent, which a quick child may precede (and Glibc's module does not
    /// offer pthread_setname_np).
    private static func nameCurrentThread(_ name: String) {
        #if os(Linux)
        if let comm = fopen("/proc/thread-self/comm", "w") {
            fputs(String(decoding: name.utf8.prefix(15), as: UTF8.self), comm)
            fclose(comm)
        }
        #elseif canImport(Darwin)
        _ = pthread_setname_np(name)
        #endif
    }

    /// Sleeps `duration`, or less when a stop is asked or `wake()` is called; false when stopping.
    func sleep(_ duration: Duration) -> Bool {
        let seen = state.withLock { $0.nudges }
        return state.wait(for: { $0.stopping || $0.nudges != seen }, timeout: max(duration, .zero)) { !$0.stopping }
    }

    /// Ends the current sleeps early without stopping (a new setting to look at).
    func wake() {
        state.withLock { $0.nudges &+= 1 }
        state.broadcast()
    }

    /// Asks every thread to end; they see it at their next look or sleep.
    func requestStop() {
        state.withLock { $0.stopping = true }
        state.broadcast()
    }

    /// Waits until every thread has ended or `deadline` passed; returns whether they all ended.
    func awaitEnd(deadline: ContinuousClock.Instant) -> Bool {
        state.wait(for: { $0.running == 0 }, timeout: max(deadline - .now, .zero)) { $0.running == 0 }
    }
}
