import Synchronization

/// The requests the application holds (handed over, not yet completed), and whether the server
/// still hands any over: a stop waits for the count to reach zero, and once it has closed the
/// door no request can start waiting on a suspended connection behind it (libmicrohttpd aborts
/// the process when stopped with one suspended).
///
/// One atomic word, the count and a closed bit together, so that a request is counted if and
/// only if it was let in before the door closed.
final class InFlightRequests: Sendable {
    private static let closedBit = 1 << 62
    private let state = Atomic<Int>(0)

    /// Counts a request in; false once closed (it must be answered without the application).
    func enter() -> Bool {
        var current = state.load(ordering: .relaxed)
        while current & Self.closedBit == 0 {
            let (exchanged, original) = state.compareExchange(expected: current, desired: current + 1,
                                                              ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// A request counted in has completed.
    func leave() {
        state.subtract(1, ordering: .releasing)
    }

    /// No request is let in any more.
    func close() {
        state.bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing)
    }

    /// Requests let in and not completed.
    var count: Int {
        state.load(ordering: .acquiring) & ~Self.closedBit
    }
}
