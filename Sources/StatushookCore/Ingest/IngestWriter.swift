import Foundation
import Locking
import Logging
import PostgresClient

/// Records callbacks in lanes (`ingest_writers`, two by default), each a thread and a database
/// connection of its own, many callbacks to a transaction (group commit).
///
/// A callback goes to the lane of its SID (``IngestLanes``), so the callbacks of one SID are
/// recorded by one lane in the order they were queued, and two lanes never wait for each
/// other's profile locks. Each lane is an ``IngestLane``: callbacks that arrive while its
/// transaction commits wait in its queue and share the next one, so the cost of a commit is paid
/// once per batch instead of once per callback. Two lanes rather than one: a lane's database
/// backend records its batch on one core, and with one lane that backend is ingest's ceiling
/// while the other core idles. Lanes that record side by side, not writers taking turns on one
/// batch at a time: those lost to one writer (docs/performance.md, "Two ingest writers side by
/// side").
public final class IngestWriter: BackgroundService {
    public typealias Completion = @Sendable (IngestOutcome) -> Void

    /// Above the default `max_connections` (1024), which bounds what HTTP has in flight: it
    /// fills only when that is raised and the database falls far behind, and then a 503 (Twilio
    /// retries) costs less than memory that grows. Split evenly between the lanes.
    public static let queueCapacity = 4096

    private let lanes: [IngestLane]

    public init(database: PostgresEndpoint, lanes: Int = 2, maxBatch: Int = 256, commitTimeout: Duration = .seconds(10),
                readiness: Readiness, pressure: IngestPressure? = nil, doorbell: OutboxDoorbell? = nil, logger: Logger) {
        let count = max(lanes, 1)
        self.lanes = (0..<count).map { _ in
            IngestLane(database: database, capacity: Self.queueCapacity / count, maxBatch: maxBatch,
                       commitTimeout: commitTimeout, readiness: readiness, pressure: pressure, doorbell: doorbell,
                       logger: logger)
        }
    }

    public var serviceName: String { "ingest writer" }

    public func start(failure: ServiceFailure) {
        for lane in lanes { lane.start() }
    }

    /// Queues a callback on its SID's lane; `completion` runs once, on that lane's writer or
    /// watchdog thread, once its fate is known or its `commit_timeout` is up (at once when the
    /// queue refuses it).
    public func submit(_ record: CallbackRecord, completion: @escaping Completion) {
        lanes[IngestLanes.lane(of: record.content.sid, among: lanes.count)].submit(record, completion: completion)
    }

    /// Records what is queued, then ends the threads; returns once they have (or `deadline`
    /// passed). Callbacks queued before the writer ever started are answered `unavailable`.
    public func stop(deadline: ContinuousClock.Instant) -> Bool {
        for lane in lanes { lane.beginStop() }
        return lanes.map { $0.awaitEnd(deadline: deadline) }.allSatisfy { $0 }
    }
}

/// Which lane records a callback: by its SID, so that the callbacks of one SID are recorded by
/// one writer, in the order they came, and two lanes never wait for each other's profile locks.
enum IngestLanes {
    /// FNV-1a of the SID's bytes, mixed as MurmurHash3's finalizer mixes (FNV's low bits alone
    /// split poorly): the same lane for a SID whatever the process.
    static func lane(of sid: String, among count: Int) -> Int {
        guard count > 1 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sid.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return Int(hash % UInt64(count))
    }
}

/// One lane of the ingest writer: records its callbacks on a thread of its own, many to a
/// transaction. A batch is one statement (`statushook_record_callbacks`, set-wise) sent with its
/// BEGIN and COMMIT as one pipeline: one round trip. Every callback of a batch is answered only
/// after its COMMIT returned durable; if it did not, or returned with the WARNING of a cancelled
/// wait for a synchronous standby, all of them are answered `unavailable` and Twilio retries
/// (the idempotency key makes a retry of a commit whose outcome was unknown harmless). A
/// watchdog thread answers 503 to every callback still unanswered `commit_timeout` after it was
/// queued, and cancels the statement that holds it (``CommitWatchPlan``), so that a synchronous
/// standby that is away cannot hold answers past Twilio's 15 s.
final class IngestLane: Sendable {
    typealias Completion = IngestWriter.Completion

    private struct Pending {
        var record: CallbackRecord
        var answer: IngestAnswer
        /// When its answer's time (`commit_timeout`) is up.
        var deadline: ContinuousClock.Instant
    }

    /// The batch being recorded, as the watchdog sees it.
    private struct InFlight {
        var answers: [IngestAnswer]
        var deadline: ContinuousClock.Instant
        /// Set while a statement is out on the connection.
        var interrupter: PostgresInterrupter?
        var stage = CommitWatchPlan.Stage.waiting
    }

    private struct State {
        var queue: IngestQueue<Pending>
        var started = false
        var inFlight: InFlight?
        /// The watchdog is cancelling or breaking the statement out: the writer must not close
        /// that connection meanwhile (the interrupter uses its socket).
        var interrupting = false
        var writerEnded = false
    }

    /// How often the watchdog looks at the deadlines: an answer comes at most this late.
    static let watchInterval = Duration.milliseconds(50)

    private let database: PostgresEndpoint
    private let capacity: Int
    private let commitTimeout: Duration
    private let logger: Logger
    private let readiness: Readiness
    /// Told how many callbacks each batch takes: the dispatcher yields to a burst.
    private let pressure: IngestPressure?
    /// Rung after a batch that queued deliveries committed: the dispatcher looks at once.
    private let doorbell: OutboxDoorbell?
    /// Signalled when an item comes or a stop is asked; broadcast when an interruption ends.
    private let state: LockedCondition<State>
    private let threads = ServiceThreads()

    init(database: PostgresEndpoint, capacity: Int, maxBatch: Int, commitTimeout: Duration,
         readiness: Readiness, pressure: IngestPressure?, doorbell: OutboxDoorbell?, logger: Logger) {
        self.database = database
        self.commitTimeout = commitTimeout
        self.readiness = readiness
        self.pressure = pressure
        self.doorbell = doorbell
        self.logger = logger
        self.capacity = capacity
        state = LockedCondition(State(queue: IngestQueue(capacity: capacity, maxBatch: maxBatch)))
    }

    func start() {
        state.withLock { $0.started = true }
        threads.spawn("ingest-writer") { [self] in run() }
        threads.spawn("ingest-watch") { [self] in watch() }
    }

    /// Queues a callback; `completion` runs once, on the writer's or the watchdog's thread, once
    /// its fate is known or its `commit_timeout` is up (at once when the queue refuses it).
    func submit(_ record: CallbackRecord, completion: @escaping Completion) {
        let pending = Pending(record: record, answer: IngestAnswer(completion), deadline: .now + commitTimeout)
        let admission = state.withLock { $0.queue.submit(pending) }
        switch admission {
        case .accepted:
            state.signal()
        case .refusedStopping:
            completion(.unavailable("statushook is shutting down"))
        case .refusedFull:
            logger.warning("ingest queue full: callback answered 503", metadata: ["capacity": "\(capacity)"])
            completion(.unavailable("statushook is behind: too many callbacks wait for the database"))
        }
    }

    /// Refuses what comes from now on; the thread records what is queued, then ends.
    /// Callbacks queued before the writer ever started are answered `unavailable`.
    func beginStop() {
        let orphans = state.withLock { $0.queue.stop(writerStarted: $0.started) }
        state.broadcast()
        for pending in orphans { pending.answer.give(.unavailable("statushook is shutting down")) }
    }

    /// Whether the threads ended by `deadline`.
    func awaitEnd(deadline: ContinuousClock.Instant) -> Bool {
        threads.awaitEnd(deadline: deadline)
    }

    private func run() {
        var session = WriterSession(database: database, readiness: readiness, logger: logger,
                                    watch: StatementWatch(begin: { [self] in statementBegins($0) },
                                                          end: { [self] in statementEnded() }))
        defer {
            state.withLock { $0.writerEnded = true }
        }
        while true {
            let take = state.wait(for: { !$0.queue.items.isEmpty || $0.queue.stopping }) { state -> IngestQueue<Pending>.Take in
                let take = state.queue.take()
                if case .batch(let batch) = take {
                    state.inFlight = InFlight(answers: batch.map(\.answer),
                                              deadline: batch.map(\.deadline).min() ?? .now)
                }
                return take
            }
            switch take {
            case .wait:
                continue
            case .finished:
                session.close()
                return
            case .batch(let batch):
                pressure?.taken(batch.count)
                let outcomes = session.record(batch.map(\.record))
                state.withLock { $0.inFlight = nil }
                if IngestOutcome.queuedDeliveries(outcomes, sinks: batch.map(\.record.sinks)) { doorbell?.ring() }
                for (pending, outcome) in zip(batch, outcomes) {
                    pending.answer.give(outcome)
                }
            }
        }
    }

    /// A statement of the batch in flight goes out; false when the batch's time is up already
    /// (it was answered 503: do not send it).
    private func statementBegins(_ interrupter: PostgresInterrupter?) -> Bool {
        state.withLock { state in
            guard state.inFlight?.stage == .waiting else { return false }
            state.inFlight?.interrupter = interrupter
            return true
        }
    }

    /// The statement came back; true when the watchdog answered the batch meanwhile (its
    /// result, whatever it is, is no acknowledgement any more). Waits for an interruption in
    /// progress, so that the caller may close the connection afterwards.
    private func statementEnded() -> Bool {
        state.wait(for: { !$0.interrupting }) { state in
            state.inFlight?.interrupter = nil
            return state.inFlight.map { $0.stage != .waiting } ?? false
        }
    }

    /// The watchdog: answers 503 what waits past its deadline, in the queue or in flight, and
    /// cancels (then, if need be, breaks) the statement holding the batch in flight.
    private func watch() {
        while true {
            let now = ContinuousClock.now
            let (expired, answers, step, interrupter, ended) = state.withLock { state in
                let expired = state.queue.removeExpired { $0.deadline <= now }
                guard var inFlight = state.inFlight else {
                    return (expired, [IngestAnswer](), CommitWatchPlan.Step.none, PostgresInterrupter?.none, state.writerEnded)
                }
                let step = CommitWatchPlan.step(now: now, deadline: inFlight.deadline, stage: inFlight.stage,
                                                statementOut: inFlight.interrupter != nil)
                var answers: [IngestAnswer] = []
                switch step {
                case .none:
                    break
                case .answer:
                    inFlight.stage = .answered(now)
                    answers = inFlight.answers
                case .breakConnection:
                    inFlight.stage = .broken
                }
                if step != .none, inFlight.interrupter != nil { state.interrupting = true }
                state.inFlight = inFlight
                return (expired, answers, step, state.interrupting ? inFlight.interrupter : nil, state.writerEnded)
            }
            if ended { return }
            let reason = "no commit within commit_timeout (\(commitTimeout)); outcome unknown, Twilio's retry is harmless"
            if !expired.isEmpty {
                logger.error("callbacks waited in the ingest queue past commit_timeout: answered 503",
                             metadata: ["callbacks": "\(expired.count)", "commit_timeout": "\(commitTimeout)"])
                for pending in expired { pending.answer.give(.unavailable(reason)) }
            }
            if !answers.isEmpty {
                logger.error("commit took longer than commit_timeout: batch answered 503 and its statement cancelled",
                             metadata: ["callbacks": "\(answers.count)", "commit_timeout": "\(commitTimeout)"])
                readiness.note("commits", "last batch timed out after \(commitTimeout) (is a synchronous standby away?)")
                for answer in answers { answer.give(.unavailable(reason)) }
            }
            if let interrupter {
                switch step {
                case .answer:
                    if let failure = interrupter.cancel() {
                        logger.warning("could not cancel the ingest statement", metadata: ["error": "\(failure)"])
                    }
                case .breakConnection:
                    logger.error("the ingest statement outlived its cancel: closing its connection",
                                 metadata: ["after": "\(CommitWatchPlan.breakAfter)"])
                    interrupter.breakConnection()
                case .none:
                    break
                }
                state.withLock { $0.interrupting = false }
                state.broadcast()
            }
            // During a stop the writer may still commit its last batches: keep watching until it ends.
            if !threads.sleep(Self.watchInterval) {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }
}

/// A callback's answer, given once: by the writer when its batch's fate is known, or by the
/// watchdog when its time is up, whichever comes first.
final class IngestAnswer: Sendable {
    private let completion: Locked<IngestWriter.Completion?>

    init(_ completion: @escaping IngestWriter.Completion) {
        self.completion = Locked(completion)
    }

    func give(_ outcome: IngestOutcome) {
        let pending = completion.withLock { completion in
            defer { completion = nil }
            return completion
        }
        pending?(outcome)
    }
}

/// How the writer's session tells the watchdog about each statement it sends.
struct StatementWatch {
    /// Before a statement; false: the batch was answered already, send nothing.
    var begin: (PostgresInterrupter?) -> Bool
    /// After it; true: the batch was answered meanwhile (and its statement maybe cancelled).
    var end: () -> Bool
}

/// The writer thread's database connection and what it does with a batch.
struct WriterSession {
    private let database: PostgresEndpoint
    private let readiness: Readiness
    private let logger: Logger
    private let watch: StatementWatch
    private var connection: PostgresConnection?
    private var interrupter: PostgresInterrupter?
    private var reconnect = IngestReconnectPacing(interval: .milliseconds(500))

    init(database: PostgresEndpoint, readiness: Readiness, logger: Logger, watch: StatementWatch) {
        self.database = database
        self.readiness = readiness
        self.logger = logger
        self.watch = watch
    }

    mutating func close() {
        connection?.close()
        connection = nil
        interrupter = nil
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
            guard watch.begin(interrupter) else {
                return batch.map { _ in .unavailable("commit_timeout passed") }
            }
            _ = connection.takeWarnings()
            // BEGIN, the batch as one statement, COMMIT: one round trip.
            let result = Result { () throws(PostgresError) in
                try connection.pipelinedTransaction(
                    prepared: "record_callbacks", [CallbackBatch.parameters(order.map { batch[$0] })])
            }
            let answered = watch.end()
            switch result {
            case .success(let results):
                if answered {
                    logger.warning("a batch committed after commit_timeout; it was answered 503 (Twilio's retry will be a duplicate)",
                                   metadata: ["callbacks": "\(batch.count)"])
                    return batch.map { _ in .unavailable("commit_timeout passed") }
                }
                if case .notReplicated(let warning) = CommitDurability.of(warnings: connection.takeWarnings()) {
                    logger.error("commit not replicated to the synchronous standby (its wait was cancelled): batch answered 503",
                                 metadata: ["callbacks": "\(batch.count)", "warning": "\(warning)"])
                    readiness.note("commits", "last commit not replicated: \(warning)")
                    return batch.map { _ in .unavailable("commit not replicated") }
                }
                readiness.note("commits", "ok")
                let rows = results[0].map { row in
                    (ordinal: row["ord"].flatMap { Int($0) }, result: row["result"], transitionID: row["transition_id"])
                }
                return IngestBatchPlan.outcomes(rows: rows, order: order)
            case .failure(let error):
                let next = IngestBatchPlan.afterFailure(connectionLost: error.isConnectionProblem,
                                                        serializationOrDeadlock: error.isSerializationOrDeadlock,
                                                        answered: answered, attempt: attempt, size: batch.count)
                switch next {
                case .answerUnavailable:
                    logger.error("database connection lost while recording", metadata: ["error": "\(error)"])
                    self.connection?.close()
                    self.connection = nil
                    self.interrupter = nil
                    readiness.databaseLost("\(error.message)")
                    return batch.map { _ in .unavailable("database connection lost") }
                case .abandon:
                    rollBack(connection)
                    logger.warning("the batch's statement ended after commit_timeout", metadata: ["error": "\(error)"])
                    return batch.map { _ in .unavailable("commit_timeout passed") }
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
        interrupter = nil
        guard reconnect.mayConnect(now: .now) else { return nil }
        do {
            let fresh = try database.connect()
            try fresh.prepare("record_callbacks", CallbackBatch.sql)
            connection = fresh
            interrupter = fresh.makeInterrupter()
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
