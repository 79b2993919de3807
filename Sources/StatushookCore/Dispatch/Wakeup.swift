import Foundation

/// Wakes idle dispatcher threads when there may be work: a NOTIFY, a reconnect, a stop.
///
/// A generation number makes a wake-up that comes between "found nothing" and "wait" count:
/// a thread waits only while the generation is still the one it saw before it looked.
/// ``signalOne()`` wakes a single waiting thread (a thread busy at the time sees the new
/// generation when it next looks), so a trickle of work does not send every idle thread to the
/// database; a thread that finds a full batch wakes the next.
final class Wakeup: @unchecked Sendable {
    /// Guards `generation`.
    private let condition = NSCondition()
    private var generation: UInt64 = 0

    var current: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return generation
    }

    /// Wakes every waiting thread (a stop, a reconnect).
    func signal() {
        condition.lock()
        generation &+= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Wakes one waiting thread, if any waits.
    func signalOne() {
        condition.lock()
        generation &+= 1
        condition.signal()
        condition.unlock()
    }

    /// Waits until woken after the generation moved past `seen` (at once when it already has),
    /// or `timeout` passes.
    func wait(after seen: UInt64, timeout: Duration) {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let deadline = Date(timeIntervalSinceNow: max(0, seconds))
        condition.lock()
        while generation == seen {
            if !condition.wait(until: deadline) { break }
        }
        condition.unlock()
    }
}
