import Foundation

/// Threads of its own for work that blocks (database reads for the history API and metrics),
/// so that neither libmicrohttpd's threads nor Swift's cooperative pool wait on libpq.
final class BlockingWorkPool: @unchecked Sendable {
    /// Guards `queue`.
    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []

    init(threads: Int, name: String) {
        for index in 0..<max(threads, 1) {
            let thread = Thread { [self] in run() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    func submit(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.append(work)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let work = queue.removeFirst()
            condition.unlock()
            work()
        }
    }
}
