import Locking

/// Threads of its own for work that blocks (database reads for the history API and metrics),
/// so that neither libmicrohttpd's threads nor Swift's cooperative pool wait on libpq.
final class BlockingWorkPool: Sendable {
    private struct State {
        var queue: [@Sendable () -> Void] = []
        var stopping = false
    }

    /// Work waiting beyond this is refused (the caller answers 503): the reads are slower than
    /// the requests that ask for them, and a queue that grows only makes every answer late.
    let capacity: Int
    /// Signalled when work comes or a stop is asked.
    private let state = LockedCondition(State())
    private let threads = ServiceThreads()
    private let count: Int
    private let name: String

    init(threads count: Int, name: String, capacity: Int = 256) {
        self.capacity = max(capacity, 1)
        self.count = max(count, 1)
        self.name = name
    }

    func start() {
        for index in 0..<count {
            threads.spawn("\(name)-\(index)") { [self] in run() }
        }
    }

    /// Queues `work`; false (and `work` dropped) when the queue is full or the pool stopping.
    func submit(_ work: @escaping @Sendable () -> Void) -> Bool {
        let accepted = state.withLock { state in
            guard !state.stopping, state.queue.count < capacity else { return false }
            state.queue.append(work)
            return true
        }
        if accepted { state.signal() }
        return accepted
    }

    /// Runs what is queued, then ends the threads; returns whether they ended by `deadline`.
    func stop(deadline: ContinuousClock.Instant) -> Bool {
        state.withLock { $0.stopping = true }
        state.broadcast()
        return threads.awaitEnd(deadline: deadline)
    }

    private func run() {
        while true {
            let work = state.wait(for: { !$0.queue.isEmpty || $0.stopping }) { state in
                state.queue.isEmpty ? nil : state.queue.removeFirst()
            }
            guard let work else { return }
            work()
        }
    }
}
