import Locking

/// Wakes idle dispatcher threads when there may be work: a NOTIFY, a reconnect, a stop.
///
/// A generation number makes a wake-up that comes between "found nothing" and "wait" count:
/// a thread waits only while the generation is still the one it saw before it looked.
/// ``signalOne()`` wakes a single waiting thread (a thread busy at the time sees the new
/// generation when it next looks), so a trickle of work does not send every idle thread to the
/// database; a thread that finds a full batch wakes the next.
final class Wakeup: Sendable {
    private let generation = LockedCondition<UInt64>(0)

    var current: UInt64 {
        generation.withLock { $0 }
    }

    /// Wakes every waiting thread (a stop, a reconnect).
    func signal() {
        generation.withLock { $0 &+= 1 }
        generation.broadcast()
    }

    /// Wakes one waiting thread, if any waits.
    func signalOne() {
        generation.withLock { $0 &+= 1 }
        generation.signal()
    }

    /// Waits until woken after the generation moved past `seen` (at once when it already has),
    /// or `timeout` passes.
    func wait(after seen: UInt64, timeout: Duration) {
        generation.wait(for: { $0 != seen }, timeout: max(timeout, .zero)) { _ in }
    }
}
