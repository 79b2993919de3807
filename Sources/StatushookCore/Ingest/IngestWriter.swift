import Foundation
import Locking
import Logging
import PostgresClient

/// Records callbacks on a thread of its own, many to a transaction (group commit).
///
/// Callbacks that arrive while a transaction commits wait in the queue and share the next one,
/// so the cost of a commit (an fsync) is paid once per batch instead of once per callback. A
/// batch is one statement (`statushook_record_callbacks`, set-wise) sent with its BEGIN and
/// COMMIT as one pipeline: one round trip. One writer, not two taking turns: a batch has a
/// fixed cost in the server (about ten statements to start), and on two cores the bigger
/// batches of one writer cost less CPU per callback than overlapping two writers' commits
/// gains (the runs: docs/performance.md, "One ingest writer, not two").
/// Callbacks for one SID are recorded in the order they were queued.
/// Every callback of a batch is answered only after its COMMIT returned; if it did not, all of
/// them are answered `unavailable` and Twilio retries (the idempotency key makes a retry of a
/// commit whose outcome was unknown harmless).
public final class IngestWriter: BackgroundService {
    public typealias Completion = @Sendable (IngestOutcome) -> Void

    private struct Pending {
        var record: CallbackRecord
        var completion: Completion
    }

    private struct State {
        var queue: IngestQueue<Pending>
        var started = false
    }

    /// Above the default `max_connections` (1024), which bounds what HTTP has in flight: it
    /// fills only when that is raised and the database falls far behind, and then a 503 (Twilio
    /// retries) costs less than memory that grows.
    public static let queueCapacity = 4096

    private let database: PostgresEndpoint
    private let logger: Logger
    private let readiness: Readiness
    /// Signalled when an item comes or a stop is asked.
    private let state: LockedCondition<State>
    private let threads = ServiceThreads()

    public init(database: PostgresEndpoint, maxBatch: Int = 256, readiness: Readiness, logger: Logger) {
        self.database = database
        self.readiness = readiness
        self.logger = logger
        state = LockedCondition(State(queue: IngestQueue(capacity: Self.queueCapacity, maxBatch: maxBatch)))
    }

    public var serviceName: String { "ingest writer" }

    public func start(failure: ServiceFailure) {
        state.withLock { $0.started = true }
        threads.spawn("ingest-writer") { [self] in run() }
    }

    /// Queues a callback; `completion` runs on the writer's thread once its fate is known (at
    /// once when the queue refuses it).
    public func submit(_ record: CallbackRecord, completion: @escaping Completion) {
        let admission = state.withLock { $0.queue.submit(Pending(record: record, completion: completion)) }
        switch admission {
        case .accepted:
            state.signal()
        case .refusedStopping:
            completion(.unavailable("statushook is shutting down"))
        case .refusedFull:
            logger.warning("ingest queue full: callback answered 503", metadata: ["capacity": "\(Self.queueCapacity)"])
            completion(.unavailable("statushook is behind: too many callbacks wait for the database"))
        }
    }

    /// Records what is queued, then ends the thread; returns once it has (or `deadline`
    /// passed). Callbacks queued before the writer ever started are answered `unavailable`.
    public func stop(deadline: ContinuousClock.Instant) -> Bool {
        let orphans = state.withLock { $0.queue.stop(writerStarted: $0.started) }
        state.broadcast()
        for pending in orphans { pending.completion(.unavailable("statushook is shutting down")) }
        return threads.awaitEnd(deadline: deadline)
    }

    private func run() {
        var session = WriterSession(database: database, readiness: readiness, logger: logger)
        while true {
            let take = state.wait(for: { !$0.queue.items.isEmpty || $0.queue.stopping }) { $0.queue.take() }
            switch take {
            case .wait:
                continue
            case .finished:
                session.close()
                return
            case .batch(let batch):
                let outcomes = session.record(batch.map(\.record))
                for (pending, outcome) in zip(batch, outcomes) {
                    pending.completion(outcome)
                }
            }
        }
    }
}

/// The writer thread's database connection and what it does with a batch.
struct WriterSession {
    private let database: PostgresEndpoint
    private let readiness: Readiness
    private let logger: Logger
    private var connection: PostgresConnection?
    private var reconnect = IngestReconnectPacing(interval: .milliseconds(500))

    init(database: PostgresEndpoint, readiness: Readiness, logger: Logger) {
        self.database = database
        self.readiness = readiness
        self.logger = logger
    }

    mutating func close() {
        connection?.close()
        connection = nil
    }

    /// Records a batch in one transaction; outcomes come back in the batch's order. Where a
    /// failure leads is ``IngestBatchPlan``'s choice.
    mutating func record(_ batch: [CallbackRecord]) -> [IngestOutcome] {
        guard let connection = connect() else {
            return batch.map { _ in .unavailable("database unavailable") }
        }
        let order = IngestBatchPlan.recordingOrder(sids: batch.map(\.content.sid))
        var attempt = 0
        while true {
            attempt += 1
            do {
                // BEGIN, the batch as one statement, COMMIT: one round trip.
                let results = try connection.pipelinedTransaction(
                    prepared: "record_callbacks", [CallbackBatch.parameters(order.map { batch[$0] })])
                let rows = results[0].map { row in
                    (ordinal: row["ord"].flatMap { Int($0) }, result: row["result"], transitionID: row["transition_id"])
                }
                return IngestBatchPlan.outcomes(rows: rows, order: order)
            } catch {
                let next = IngestBatchPlan.afterFailure(connectionLost: error.isConnectionProblem,
                                                        serializationOrDeadlock: error.isSerializationOrDeadlock,
                                                        attempt: attempt, size: batch.count)
                switch next {
                case .answerUnavailable:
                    logger.error("database connection lost while recording", metadata: ["error": "\(error)"])
                    self.connection?.close()
                    self.connection = nil
                    readiness.databaseLost("\(error.message)")
                    return batch.map { _ in .unavailable("database connection lost") }
                case .retry:
                    rollBack(connection)
                    continue
                case .split:
                    rollBack(connection)
                    var outcomes: [IngestOutcome] = []
                    for single in batch { outcomes += record([single]) }
                    return outcomes
                case .refuse:
                    rollBack(connection)
                    logger.error("database refused a callback", metadata: ["error": "\(error)"])
                    return [.failed(error.message)]
                }
            }
        }
    }

    private func rollBack(_ connection: PostgresConnection) {
        do {
            try connection.execute("ROLLBACK")
        } catch {
            logger.warning("ROLLBACK after a refused batch failed", metadata: ["error": "\(error)"])
        }
    }

    private mutating func connect() -> PostgresConnection? {
        if let connection, connection.isHealthy { return connection }
        connection?.close()
        connection = nil
        guard reconnect.mayConnect(now: .now) else { return nil }
        do {
            let fresh = try database.connect()
            try fresh.prepare("record_callbacks", CallbackBatch.sql)
            connection = fresh
            readiness.databaseReachable()
            logger.info("ingest connected to the database")
            return fresh
        } catch {
            readiness.databaseLost(error.message)
            logger.warning("ingest cannot reach the database", metadata: ["error": "\(error.message)"])
            return nil
        }
    }
}
