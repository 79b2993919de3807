/// The ingest writer's queue, without the lock and the thread around it: bounded, in the order
/// callbacks came, taken out a batch at a time, and closed by a stop.
struct IngestQueue<Item> {
    /// What `submit` did with an item.
    enum Admission: Equatable {
        case accepted
        /// A stop was asked: nothing new is taken (answered 503, Twilio retries elsewhere or later).
        case refusedStopping
        /// `capacity` items wait already: the database is far behind (answered 503, Twilio retries).
        case refusedFull
    }

    /// What the writer thread does next.
    enum Take {
        /// Record these, in this order.
        case batch([Item])
        /// Nothing to record yet: sleep until an item or a stop comes.
        case wait
        /// Stopping, and everything queued was taken: the thread ends.
        case finished
    }

    let capacity: Int
    let maxBatch: Int
    private(set) var items: [Item] = []
    private(set) var stopping = false

    init(capacity: Int, maxBatch: Int) {
        self.capacity = max(capacity, 1)
        self.maxBatch = max(maxBatch, 1)
    }

    mutating func submit(_ item: Item) -> Admission {
        if stopping { return .refusedStopping }
        if items.count >= capacity { return .refusedFull }
        items.append(item)
        return .accepted
    }

    /// Up to `maxBatch` of the oldest items; what is queued before a stop is still taken after it.
    mutating func take() -> Take {
        if items.isEmpty { return stopping ? .finished : .wait }
        let count = min(items.count, maxBatch)
        let batch = Array(items.prefix(count))
        items.removeFirst(count)
        return .batch(batch)
    }

    /// Takes out the items `expired` picks (their answer's time is up), keeping the others in order.
    mutating func removeExpired(_ expired: (Item) -> Bool) -> [Item] {
        var gone: [Item] = []
        items.removeAll { item in
            guard expired(item) else { return false }
            gone.append(item)
            return true
        }
        return gone
    }

    /// Closes the queue to new items; returns the items no thread will take (when none was
    /// started), to be answered at once.
    mutating func stop(writerStarted: Bool) -> [Item] {
        stopping = true
        guard !writerStarted else { return [] }
        defer { items.removeAll() }
        return items
    }
}
