import Foundation
import Logging
import Locking
import PostgresClient

/// Drains the outbox: each sink has worker threads of its own, which claim its due deliveries in
/// batches (`FOR UPDATE SKIP LOCKED`, with a lease), deliver them, and record the batch's attempts
/// in one statement. This process's ingest rings an ``OutboxDoorbell``, and a listener thread
/// hears `NOTIFY statushook_deliveries` (deliveries queued, given back, replayed or resumed by
/// other processes); either wakes one worker of each sink (a worker that finds a full batch wakes
/// the next), and they also wake on their own when the next retry is due. A slow or hanging sink
/// holds up only its own workers.
///
/// Threads of its own, never Swift's cooperative pool: libpq and the sinks block. Ingest never
/// waits for it: the writer only inserts rows and rings.
public final class Dispatcher: BackgroundService {
    public struct Settings: Sendable {
        /// Each with its own database connection and its own connection to the sink (an HTTP
        /// keep-alive handle, an SMTP session): up to this many attempts in flight per sink. Three
        /// keep two cores busy while some wait on the network or the database.
        public var workersPerSink = 3
        /// Deliveries one worker claims at a time; their attempts are recorded together, in one
        /// statement, when the batch is done (at once after a failure).
        public var claimBatch = 64
        /// How long a claim is held before another worker may take the delivery over. A worker
        /// starts no attempt after half of it has passed (it gives the rest of its batch back),
        /// so this must exceed half of it plus the slowest sink's timeout.
        public var lease = Duration.seconds(300)
        public var sweepInterval = Duration.seconds(30)
        /// How often a worker of a paused sink looks whether it was resumed (it ignores NOTIFYs).
        public var pausedPoll = Duration.milliseconds(250)
        /// The longest an idle worker sleeps without a NOTIFY.
        public var idleWait = Duration.seconds(5)
        /// Callbacks a second above which ingest is in a burst and delivery yields to it
        /// (``DeliveryYield``); 0: never.
        public var burstRate = 500
        /// During a burst, each sink takes one batch this often.
        public var burstTrickle = Duration.seconds(1)

        public init() {}
    }

    private let database: PostgresEndpoint
    private let sinkNames: [String]
    private let schedule: RetrySchedule
    private let store: OutboxStore
    private let settings: Settings
    private let makeDrivers: @Sendable () -> [String: any SinkDriver]
    /// Runs on each claimed batch before its attempts (enrichment fills in the profile); bounded
    /// in time by whoever provides it.
    private let prepareClaims: (@Sendable ([ClaimedDelivery]) -> [ClaimedDelivery])?
    private let logger: Logger
    /// One per sink: a NOTIFY wakes one worker of each.
    private let wakeups: [String: Wakeup]
    private let threads = ServiceThreads()
    /// `host:pid:dN`, N counting the dispatchers of this process (a reload replaces one, and
    /// the two must not share a lease owner): leases name who holds them, and a restarted daemon
    /// can tell which leases belonged to a process of this host that is gone.
    private let ownerPrefix: String
    /// Each digest sink's pacing, shared by its workers (made by the first that looks).
    private let digestPacings = Locked<[String: DigestPacing]>([:])
    /// How fast callbacks arrive; nil: delivery never yields.
    private let pressure: IngestPressure?
    /// Rung by this process's ingest when it queued deliveries; nil: only NOTIFYs and timers wake.
    private let doorbell: OutboxDoorbell?
    /// The doorbell rang since the listener last told other processes (with one NOTIFY).
    private let rangSinceNotify = Locked(false)
    /// How often, at most, the listener tells other processes sharing the database that this
    /// one's ingest queued deliveries: this process's own workers were woken at once already.
    static let notifyOthersInterval = Duration.seconds(1)
    /// Each sink's yielding to a burst, shared by its workers; and whether a burst is on, as
    /// last logged.
    private let yields = Locked<(sinks: [String: DeliveryYield], burst: Bool)>(([:], false))
    /// Dispatchers built by this process so far.
    private static let built = Locked(0)
    private let hostName: String

    public init(database: PostgresEndpoint, sinkNames: [String], schedule: RetrySchedule, sinkPauseAfter: Int,
                settings: Settings = Settings(), pressure: IngestPressure? = nil, doorbell: OutboxDoorbell? = nil,
                logger: Logger,
                prepareClaims: (@Sendable ([ClaimedDelivery]) -> [ClaimedDelivery])? = nil,
                makeDrivers: @escaping @Sendable () -> [String: any SinkDriver]) {
        self.database = database
        self.sinkNames = sinkNames
        self.schedule = schedule
        self.store = OutboxStore(sinkPauseAfter: sinkPauseAfter)
        self.settings = settings
        self.makeDrivers = makeDrivers
        self.prepareClaims = prepareClaims
        self.pressure = pressure
        self.doorbell = doorbell
        self.logger = logger
        wakeups = Dictionary(sinkNames.map { ($0, Wakeup()) }, uniquingKeysWith: { first, _ in first })
        hostName = HostName.current
        let number = Self.built.withLock { count in
            count += 1
            return count
        }
        ownerPrefix = "\(hostName):\(getpid()):d\(number)"
    }

    public var serviceName: String { "dispatcher" }

    public func start(failure: ServiceFailure) {
        guard !sinkNames.isEmpty else {
            logger.info("no sinks configured: nothing to dispatch")
            return
        }
        threads.spawn("dispatch-listen") { [self] in listen() }
        doorbell?.listen(self) { [wakeups, rangSinceNotify] in
            for wakeup in wakeups.values { wakeup.signalOne() }
            rangSinceNotify.withLock { $0 = true }
        }
        var index = 0
        for sink in wakeups.keys.sorted() {
            for _ in 0..<max(settings.workersPerSink, 1) {
                let owner = "\(ownerPrefix):w\(index)"
                let sweeps = index == 0
                threads.spawn("dispatch-\(index)") { [self] in work(sink: sink, owner: owner, sweeps: sweeps) }
                index += 1
            }
        }
    }

    /// Lets attempts in progress finish (each bounded by its sink's timeout), releases the
    /// leases not yet attempted, and returns once every thread has ended (or `deadline` passed).
    public func stop(deadline: ContinuousClock.Instant) -> Bool {
        doorbell?.stopListening(self)
        threads.requestStop()
        for wakeup in wakeups.values { wakeup.signal() }
        return threads.awaitEnd(deadline: deadline)
    }

    private var isStopping: Bool {
        threads.isStopping
    }

    // MARK: - Workers

    /// A worker of `sink`; the one that `sweeps` also takes back expired leases, of every sink.
    /// Its choices are ``DispatchWorkerLoop``'s and ``DispatchBatchRun``'s; this is their I/O.
    private func work(sink: String, owner: String, sweeps: Bool) {
        let wakeup = wakeups[sink]!
        let driver = makeDrivers()[sink]
        let digests = (driver as? any DigestSinkDriver).flatMap { $0.digestAfter > 0 ? $0 : nil }
        var connection: PostgresConnection?
        var loop = DispatchWorkerLoop(settings: settings, sweeps: sweeps)
        let clock = ContinuousClock()
        while !isStopping {
            let seen = wakeup.current
            do {
                let db = try connection ?? connect()
                connection = db
                if loop.expireOwnLeases {
                    if try store.expireLeases(of: [owner], on: db) > 0 {
                        let swept = try store.sweepExpiredLeases(giveUpAfter: schedule.maxAttempts, on: db)
                        logger.warning("deliveries whose attempts were not recorded are due again", metadata: ["count": "\(swept)"])
                    }
                    loop.ownLeasesExpired()
                }
                let sweep = loop.sweep(now: clock.now)
                if sweep == .deadProcessesThenExpiredLeases { try reclaimLeasesOfDeadProcesses(on: db) }
                if sweep != .notDue {
                    let swept = try store.sweepExpiredLeases(giveUpAfter: schedule.maxAttempts, on: db)
                    if swept > 0 { logger.warning("expired delivery leases taken back", metadata: ["count": "\(swept)"]) }
                }
                if case .wait(let wait) = yieldDecision(sink: sink, now: clock.now) {
                    _ = threads.sleep(min(wait, settings.idleWait))
                    continue
                }
                var limit = settings.claimBatch
                var asDigest = false
                if let digests {
                    switch try digestDecision(sink: sink, driver: digests, now: clock.now, on: db) {
                    case .hold(let wait):
                        _ = threads.sleep(min(wait, settings.idleWait))
                        continue
                    case .digest: (limit, asDigest) = (digests.digestLimit, true)
                    case .oneByOne(let allowed): limit = min(limit, allowed)
                    }
                }
                let claimedAt = clock.now
                var claims = try store.claim(owner: owner, sinks: [sink], limit: limit,
                                             lease: settings.lease, prepared: true, on: db)
                if digests != nil, !claims.isEmpty {
                    let now = clock.now
                    if asDigest {
                        digestPacings.withLock { $0[sink]?.digestClaimed(claims.count, limit: limit) }
                    } else {
                        digestPacings.withLock { $0[sink]?.sent(claims.count, now: now) }
                    }
                }
                if claims.isEmpty {
                    let (due, paused) = try store.idleState(sinks: [sink], on: db)
                    switch loop.idle(nextDue: due, paused: paused) {
                    case .poll(let pause): _ = threads.sleep(pause)
                    case .waitForWakeup(let timeout): wakeup.wait(after: seen, timeout: timeout)
                    }
                    continue
                }
                if loop.wakeAnother(claimed: claims.count) { wakeup.signalOne() }
                if let prepareClaims { claims = prepareClaims(claims) }
                if asDigest, let digests {
                    try attemptDigest(claims, claimedAt: claimedAt, driver: digests, owner: owner, on: db)
                } else {
                    try attemptBatch(claims, claimedAt: claimedAt, driver: driver, owner: owner, on: db)
                }
            } catch {
                let lost = (error as? PostgresError)?.isConnectionProblem ?? false
                let recovery = loop.failed(connectionLost: lost)
                if recovery.dropConnection {
                    connection?.close()
                    connection = nil
                    logger.warning("dispatcher lost the database; retrying", metadata: ["error": "\((error as? PostgresError)?.message ?? "\(error)")"])
                } else {
                    logger.error("dispatcher error", metadata: ["error": "\(error)"])
                }
                wakeup.wait(after: wakeup.current, timeout: recovery.wait)
            }
        }
        if let connection {
            do {
                _ = try store.releaseLeases(owner: owner, on: connection)
            } catch {
                logger.warning("dispatcher could not give its leases back at stop; they end at their expiry",
                               metadata: ["owner": "\(owner)", "error": "\(error)"])
            }
            connection.close()
        }
        driver?.reset()
    }

    /// Runs a claimed batch as ``DispatchBatchRun`` decides: attempts, their records, and the
    /// claims given back.
    private func attemptBatch(_ claims: [ClaimedDelivery], claimedAt: ContinuousClock.Instant,
                              driver: (any SinkDriver)?, owner: String,
                              on connection: PostgresConnection) throws {
        let clock = ContinuousClock()
        var run = DispatchBatchRun(sinks: claims.map(\.sink), lease: settings.lease)
        var records: [Int: AttemptRecord] = [:]
        while true {
            switch run.next(elapsed: clock.now - claimedAt, stopping: isStopping) {
            case .attempt(let index):
                let record = attempt(claims[index], driver: driver)
                records[index] = record
                run.attempted(index, delivered: record.outcome.isDelivered)
            case .record(let indices):
                let paused = try recordAttempts(indices.compactMap { records.removeValue(forKey: $0) }, owner: owner, on: connection)
                run.recorded(pausing: paused)
            case .giveBack(let indices):
                _ = try store.releaseClaims(indices.map { claims[$0].id }, owner: owner, on: connection)
                return
            case .done:
                return
            }
        }
    }

    /// One attempt, timed; nothing is written yet.
    private func attempt(_ claim: ClaimedDelivery, driver: (any SinkDriver)?) -> AttemptRecord {
        let clock = ContinuousClock()
        let startedAt = Timestamp.now()
        let began = clock.now
        let outcome = driver?.deliver(claim.payload)
            ?? .permanent(detail: "sink \(claim.sink) is not configured in this daemon")
        let duration = clock.now - began
        StatushookMetrics.shared.deliveryAttempted(sink: claim.sink, outcome: outcome)
        let decision = DeliveryRules.decide(attemptNumber: claim.attempt, outcome: outcome, schedule: schedule,
                                            random: Double.random(in: 0..<1))
        return AttemptRecord(claim: claim, outcome: outcome, decision: decision,
                             startedAt: Timestamp.iso8601(seconds: startedAt.seconds, microseconds: startedAt.microseconds),
                             duration: duration)
    }

    /// Records `attempts` in one go and logs them: a failure or a lost lease on a line of its
    /// own (warning), each delivery at debug, and at info one line for the batch's deliveries
    /// (every attempt is in the outbox's records: `statushook deliveries`); returns the sinks
    /// they paused.
    private func recordAttempts(_ attempts: [AttemptRecord], owner: String, oneMessage: Bool = false,
                        on connection: PostgresConnection) throws -> Set<String> {
        guard !attempts.isEmpty else { return [] }
        let finishes = try store.finish(attempts, worker: owner, noticeRecipients: sinkNames, prepared: true,
                                        oneMessage: oneMessage, on: connection)
        var paused: Set<String> = []
        var delivered: [String: (count: Int, first: Int64, last: Int64)] = [:]
        for (record, finish) in zip(attempts, finishes) {
            let claim = record.claim
            func metadata() -> Logger.Metadata {
                var metadata: Logger.Metadata = [
                    "delivery_id": "\(claim.id)", "sink": "\(claim.sink)", "attempt": "\(claim.attempt)",
                    "outcome": "\(record.outcome.name)", "decision": "\(record.decision)", "detail": "\(record.outcome.detail)",
                ]
                if !finish.applied { metadata["lease"] = "lost: result not applied" }
                return metadata
            }
            if case .delivered = record.outcome, finish.applied {
                logger.debug("delivered", metadata: metadata())
                let seen = delivered[claim.sink]
                delivered[claim.sink] = ((seen?.count ?? 0) + 1, min(seen?.first ?? claim.id, claim.id), max(seen?.last ?? claim.id, claim.id))
            } else if case .delivered = record.outcome {
                logger.warning("delivered, but the lease had run out: result not applied", metadata: metadata())
            } else {
                logger.warning("delivery attempt failed", metadata: metadata())
            }
            if let reason = finish.pauseReason {
                paused.insert(claim.sink)
                logger.error("sink paused", metadata: ["sink": "\(claim.sink)", "reason": "\(reason)",
                                                        "notices": "\(finish.noticeDeliveries)"])
            }
        }
        for (sink, batch) in delivered.sorted(by: { $0.key < $1.key }) {
            logger.info("delivered", metadata: ["sink": "\(sink)", "count": "\(batch.count)",
                                                "delivery_ids": "\(batch.first)...\(batch.last)"])
        }
        return paused
    }

    // MARK: - Bursts

    /// Whether the sink claims now (at full speed, or its one batch of a burst's `trickle`) or
    /// waits; logs a burst's start and end once per dispatcher.
    private func yieldDecision(sink: String, now: ContinuousClock.Instant) -> DeliveryYield.Decision {
        guard let pressure else { return .full }
        let rate = pressure.perSecond(at: now)
        let (decision, change) = yields.withLock { state -> (DeliveryYield.Decision, Bool?) in
            var yield = state.sinks[sink] ?? DeliveryYield(burstRate: settings.burstRate, trickle: settings.burstTrickle)
            let decision = yield.decide(rate: rate, now: now)
            state.sinks[sink] = yield
            let burst = yield.inBurst
            defer { state.burst = burst }
            return (decision, burst == state.burst ? nil : burst)
        }
        switch change {
        case true?:
            logger.notice("ingest burst: delivery yields to it", metadata: [
                "callbacks_per_second": "\(rate)", "burst_rate": "\(settings.burstRate)",
                "each_sink": "one batch every \(settings.burstTrickle)"])
        case false?:
            logger.notice("ingest burst over: delivery catches up", metadata: ["callbacks_per_second": "\(rate)"])
        case nil: break
        }
        return decision
    }

    // MARK: - Digests

    /// Whether the sink's waiting transitions go out one by one, as a digest, or not yet.
    private func digestDecision(sink: String, driver: any DigestSinkDriver, now: ContinuousClock.Instant,
                                on connection: PostgresConnection) throws -> DigestPacing.Decision {
        let waiting = try store.dueCount(sink: sink, atMost: driver.digestAfter + 1, on: connection)
        return digestPacings.withLock { pacings in
            var pacing = pacings[sink] ?? DigestPacing(after: driver.digestAfter, interval: driver.digestInterval)
            let decision = pacing.decide(waiting: waiting, now: now)
            pacings[sink] = pacing
            return decision
        }
    }

    /// One message for every transition claimed (notices, which tell the operator something else,
    /// go one by one first); each delivery's attempt is recorded with the digest's outcome, and
    /// the sink's health counts the digest once.
    private func attemptDigest(_ claims: [ClaimedDelivery], claimedAt: ContinuousClock.Instant,
                               driver: any DigestSinkDriver, owner: String,
                               on connection: PostgresConnection) throws {
        var transitions: [(claim: ClaimedDelivery, event: TransitionEvent)] = []
        var notices: [ClaimedDelivery] = []
        for claim in claims {
            if case .transition(let event) = claim.payload { transitions.append((claim, event)) } else { notices.append(claim) }
        }
        if !notices.isEmpty {
            try attemptBatch(notices, claimedAt: claimedAt, driver: driver, owner: owner, on: connection)
        }
        guard !transitions.isEmpty else { return }
        let clock = ContinuousClock()
        if isStopping || clock.now - claimedAt >= settings.lease / 2 {
            _ = try store.releaseClaims(transitions.map(\.claim.id), owner: owner, on: connection)
            return
        }
        let startedAt = Timestamp.now()
        let began = clock.now
        let outcome = driver.deliverDigest(transitions.map(\.event))
        let duration = clock.now - began
        let random = Double.random(in: 0..<1)
        let records = transitions.map { claim, _ in
            StatushookMetrics.shared.deliveryAttempted(sink: claim.sink, outcome: outcome)
            return AttemptRecord(claim: claim, outcome: outcome,
                                 decision: DeliveryRules.decide(attemptNumber: claim.attempt, outcome: outcome,
                                                                schedule: schedule, random: random),
                                 startedAt: Timestamp.iso8601(seconds: startedAt.seconds, microseconds: startedAt.microseconds),
                                 duration: duration)
        }
        _ = try recordAttempts(records, owner: owner, oneMessage: true, on: connection)
    }

    /// A worker's connection, with the statements of every batch prepared.
    private func connect() throws -> PostgresConnection {
        let connection = try database.connect()
        do {
            try store.prepareStatements(on: connection)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Leases held by a process of this host that no longer runs (killed, crashed) end now
    /// instead of at their expiry, so a restarted daemon resumes its deliveries at once.
    private func reclaimLeasesOfDeadProcesses(on connection: PostgresConnection) throws {
        let owners = try store.leaseOwners(withPrefix: hostName + ":", on: connection)
        let dead = owners.filter { owner in
            guard let pid = owner.dropFirst(hostName.count + 1).split(separator: ":").first.flatMap({ Int32($0) }),
                  pid != getpid() else { return false }
            return kill(pid, 0) == -1 && errno == ESRCH
        }
        let ended = try store.expireLeases(of: dead, on: connection)
        if ended > 0 {
            logger.warning("taking back deliveries of a stopped process", metadata: ["owners": "\(dead)", "count": "\(ended)"])
        }
    }

    // MARK: - Listener

    /// Whether the doorbell rang since the last time this was asked.
    private func takeRing() -> Bool {
        rangSinceNotify.withLock { rang in
            let was = rang
            rang = false
            return was
        }
    }

    /// Whether the server the listener is on still takes writes: a connection that only waits
    /// for notifications would never hear that it was made read-only (a demotion without a
    /// restart, a virtual IP moved late), and NOTIFYs come from the primary alone.
    static let stillPrimarySQL = "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off' AS writable"

    /// LISTENs on its own connection and wakes the workers; a lost connection is logged once
    /// (the workers still wake on their own every `idleWait`) and its return too. Every
    /// `idleWait` it checks that its server still takes writes, and moves when it does not.
    /// It also passes the doorbell on to other processes: one NOTIFY a second at most, sent
    /// outside ingest's transactions (whose commits a NOTIFY would serialize), and not waiting
    /// for the disk (a lost one costs another process at most its next look).
    private func listen() {
        var failing = false
        while !isStopping {
            do {
                let connection = try database.connect()
                defer { connection.close() }
                try connection.execute("SET synchronous_commit = off")
                let ownPID = try connection.query("SELECT pg_backend_pid() AS pid").first?.decode("pid", as: Int32.self)
                try connection.listen(OutboxStore.channel)
                if failing {
                    logger.notice("dispatcher listens for new deliveries again")
                    failing = false
                }
                // Notifications sent while we were away are lost: look again.
                for wakeup in wakeups.values { wakeup.signal() }
                var checked = ContinuousClock.now
                var notified = ContinuousClock.now - Self.notifyOthersInterval
                while !isStopping {
                    let heard = try connection.waitForNotifications(timeout: .seconds(1))
                    if heard.contains(where: { $0.backendPID != ownPID }) {
                        for wakeup in wakeups.values { wakeup.signalOne() }
                    }
                    if ContinuousClock.now - notified >= Self.notifyOthersInterval, takeRing() {
                        notified = .now
                        try connection.notify(OutboxStore.channel)
                    }
                    if ContinuousClock.now - checked >= settings.idleWait {
                        checked = .now
                        let writable = try connection.query(Self.stillPrimarySQL).first?.decode("writable", as: Bool.self)
                        if writable == false {
                            throw PostgresError(kind: .queryFailed, sqlState: "25006",
                                                message: "the server no longer takes writes; listening on the primary instead")
                        }
                    }
                }
            } catch {
                if !failing {
                    logger.warning("dispatcher cannot listen for new deliveries; retrying every second (workers still look every idle wait)",
                                   metadata: ["error": "\(error)", "idle_wait": "\(settings.idleWait)"])
                    failing = true
                }
                _ = threads.sleep(.seconds(1))
            }
        }
    }
}
