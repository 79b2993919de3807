import Testing
@testable import StatushookCore

@Suite("Ingest: the writer's queue (IngestQueue)")
struct IngestQueueTests {
    private static func batch(_ take: IngestQueue<Int>.Take) -> [Int]? {
        if case .batch(let items) = take { return items }
        return nil
    }

    private static func isWait(_ take: IngestQueue<Int>.Take) -> Bool {
        if case .wait = take { return true }
        return false
    }

    private static func isFinished(_ take: IngestQueue<Int>.Take) -> Bool {
        if case .finished = take { return true }
        return false
    }

    @Test("callbacks are taken in the order they came, at most a batch at a time")
    func batches() {
        var queue = IngestQueue<Int>(capacity: 100, maxBatch: 3)
        for item in 1...7 { #expect(queue.submit(item) == .accepted) }
        #expect(Self.batch(queue.take()) == [1, 2, 3])
        #expect(Self.batch(queue.take()) == [4, 5, 6])
        #expect(Self.batch(queue.take()) == [7])
        #expect(Self.isWait(queue.take()))
    }

    @Test("a full queue refuses the next callback, and takes one again once a batch is out")
    func bounded() {
        var queue = IngestQueue<Int>(capacity: 4, maxBatch: 2)
        for item in 1...4 { #expect(queue.submit(item) == .accepted) }
        #expect(queue.submit(5) == .refusedFull)
        #expect(queue.items == [1, 2, 3, 4])
        #expect(Self.batch(queue.take()) == [1, 2])
        #expect(queue.submit(6) == .accepted)
        #expect(queue.submit(7) == .accepted)
        #expect(queue.submit(8) == .refusedFull)
    }

    @Test("after a stop nothing new is taken in, what was queued is still recorded, then the thread ends")
    func stopDrains() {
        var queue = IngestQueue<Int>(capacity: 10, maxBatch: 2)
        for item in 1...3 { _ = queue.submit(item) }
        #expect(queue.stop(writerStarted: true).isEmpty)
        #expect(queue.submit(4) == .refusedStopping)
        #expect(Self.batch(queue.take()) == [1, 2])
        #expect(Self.batch(queue.take()) == [3])
        #expect(Self.isFinished(queue.take()))
        #expect(Self.isFinished(queue.take()))
    }

    @Test("a stop of a writer that never started hands back what was queued, to be answered at once")
    func stopBeforeStart() {
        var queue = IngestQueue<Int>(capacity: 10, maxBatch: 2)
        for item in 1...3 { _ = queue.submit(item) }
        #expect(queue.stop(writerStarted: false) == [1, 2, 3])
        #expect(queue.items.isEmpty)
        #expect(Self.isFinished(queue.take()))
    }

    @Test("a stop refuses even when the queue is full: the reason is the stop")
    func stopWins() {
        var queue = IngestQueue<Int>(capacity: 1, maxBatch: 1)
        _ = queue.submit(1)
        _ = queue.stop(writerStarted: true)
        #expect(queue.submit(2) == .refusedStopping)
    }

    @Test("capacity and batch size are at least one")
    func atLeastOne() {
        var queue = IngestQueue<Int>(capacity: 0, maxBatch: 0)
        #expect(queue.submit(1) == .accepted)
        #expect(queue.submit(2) == .refusedFull)
        #expect(Self.batch(queue.take()) == [1])
    }

    @Test("every interleaving of submits, takes and a stop keeps order, the bound and every callback's answer")
    func exhaustive() {
        // 0: submit, 1: take, 2: stop; sequences of up to 8 steps, capacity 3, batches of 2.
        for length in 0...8 {
            var steps = [Int](repeating: 0, count: length)
            repeat {
                var queue = IngestQueue<Int>(capacity: 3, maxBatch: 2)
                var next = 0
                var accepted: [Int] = []
                var taken: [Int] = []
                var stopped = false
                for step in steps {
                    switch step {
                    case 0:
                        let admission = queue.submit(next)
                        let want: IngestQueue<Int>.Admission = stopped ? .refusedStopping
                            : (accepted.count - taken.count >= 3 ? .refusedFull : .accepted)
                        #expect(admission == want)
                        if admission == .accepted { accepted.append(next) }
                        next += 1
                    case 1:
                        let take = queue.take()
                        if let items = Self.batch(take) {
                            #expect(items.count <= 2 && !items.isEmpty)
                            taken += items
                        } else {
                            #expect(accepted.count == taken.count)
                            #expect(Self.isFinished(take) == stopped)
                        }
                    default:
                        #expect(queue.stop(writerStarted: true).isEmpty)
                        stopped = true
                    }
                    #expect(queue.items.count <= 3)
                }
                // Drained after a stop: everything accepted is taken, in order.
                _ = queue.stop(writerStarted: true)
                while let items = Self.batch(queue.take()) { taken += items }
                #expect(taken == accepted)
            } while Self.advance(&steps, base: 3)
        }
    }

    /// The next sequence in counting order; false after the last.
    private static func advance(_ digits: inout [Int], base: Int) -> Bool {
        for index in digits.indices {
            digits[index] += 1
            if digits[index] < base { return true }
            digits[index] = 0
        }
        return false
    }
}
