import Foundation
import Logging
import PostgresClient
import Synchronization

/// Drains the outbox: worker threads claim due deliveries (`FOR UPDATE SKIP LOCKED`, with a
/// lease), hand each to its sink, and record the attempt; a listener thread wakes them on
/// `NOTIFY statushook_deliveries`, and they also wake on their own when the next retry is due.
///
/// Threads of its own, never Swift's cooperative pool: libpq and the sinks block. Ingest never
/// waits for it: the writer only inserts rows and notifies.
public final class Dispatcher: Sendable {
    public struct Settings: Sendable {
        public var workers = 2
        /// Deliveries one worker claims at a time.
        public var claimBatch = 8
        /// How long a claim is held before another worker may take the delivery over; longer
        /// than a batch of the slowest deliveries.
        public var lease = Duration.seconds(300)
        public var sweepInterval = Duration.seconds(30)
        /// The longest an idle worker sleeps without a NOTIFY.
        public var idleWait = Duration.seconds(5)

        public init() {}
    }

    private let conninfo: String
    private let sinkNames: [String]
    private let schedule: RetrySchedule
    private let store: OutboxStore
    private let settings: Settings
    private let makeDrivers: @Sendable () -> [String: any SinkDriver]
    /// Runs on each claimed batch before its attempts (enrichment fills in the profile); bounded
    /// in time by whoever provides it.
    private let prepareClaims: (@Sendable ([ClaimedDelivery]) -> [ClaimedDelivery])?
    private let logger: Logger
    private let wakeup = Wakeup()
    private let stopping = Atomic<Bool>(false)
    private let running = DispatchGroup()
    /// `host:pid:random`: leases name who holds them, and a restarted daemon can tell which
    /// leases belonged to a process of this host that is gone.
    private let ownerPrefix: String
    private let hostName: String

    public init(conninfo: String, sinkNames: [String], schedule: RetrySchedule, sinkPauseAfter: Int,
                settings: Settings = Settings(), logger: Logger,
                prepareClaims: (@Sendable ([ClaimedDelivery]) -> [ClaimedDelivery])? = nil,
                makeDrivers: @escaping @Sendable () -> [String: any SinkDriver]) {
        self.conninfo = conninfo
        self.sinkNames = sinkNames
        self.schedule = schedule
        self.store = OutboxStore(sinkPauseAfter: sinkPauseAfter)
        self.settings = settings
        self.makeDrivers = makeDrivers
        self.prepareClaims = prepareClaims
        self.logger = logger
        hostName = HostName.current
        ownerPrefix = "\(hostName):\(getpid()):\(RequestID.next().suffix(6))"
    }

    public func start() {
        guard !sinkNames.isEmpty else {
            logger.info("no sinks configured: nothing to dispatch")
            return
        }
        spawn("dispatch-listen") { [self] in listen() }
        for index in 0..<settings.workers {
            spawn("dispatch-\(index)") { [self] in work(owner: "\(ownerPrefix):w\(index)", sweeps: index == 0) }
        }
    }

    /// Lets attempts in progress finish, releases the leases not yet attempted, and returns
    /// once every thread has stopped (or `timeout` passed).
    public func stop(timeout: Duration = .seconds(30)) {
        stopping.store(true, ordering: .releasing)
        wakeup.signal()
        _ = running.wait(timeout: .now() + .milliseconds(Int(timeout.components.seconds * 1000)))
    }

    private var isStopping: Bool {
        stopping.load(ordering: .acquiring)
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        running.enter()
        let thread = Thread { [running] in
            body()
            running.leave()
        }
        thread.name = name
        thread.start()
    }

    // MARK: - Workers

    private func work(owner: String, sweeps: Bool) {
        let drivers = makeDrivers()
        var connection: PostgresConnection?
        var lastSweep: ContinuousClock.Instant?
        let clock = ContinuousClock()
        while !isStopping {
            let seen = wakeup.current
            do {
                let db = try connection ?? PostgresConnection.connect(conninfo)
                connection = db
                if sweeps, lastSweep.map({ clock.now - $0 >= settings.sweepInterval }) ?? true {
                    if lastSweep == nil { try reclaimLeasesOfDeadProcesses(on: db) }
                    lastSweep = clock.now
                    let swept = try store.sweepExpiredLeases(giveUpAfter: schedule.maxAttempts, on: db)
                    if swept > 0 { logger.warning("expired delivery leases taken back", metadata: ["count": "\(swept)"]) }
                }
                var claims = try store.claim(owner: owner, sinks: sinkNames, limit: settings.claimBatch,
                                             lease: settings.lease, on: db)
                if claims.isEmpty {
                    let due = try store.nextDue(sinks: sinkNames, on: db) ?? settings.idleWait
                    wakeup.wait(after: seen, timeout: min(max(due, .milliseconds(1)), settings.idleWait))
                    continue
                }
                if let prepareClaims { claims = prepareClaims(claims) }
                for claim in claims {
                    if isStopping { break }
                    try attempt(claim, driver: drivers[claim.sink], owner: owner, on: db)
                }
            } catch let error as PostgresError where error.isConnectionProblem {
                connection?.close()
                connection = nil
                logger.warning("dispatcher lost the database; retrying", metadata: ["error": "\(error.message)"])
                wakeup.wait(after: wakeup.current, timeout: .seconds(1))
            } catch {
                logger.error("dispatcher error", metadata: ["error": "\(error)"])
                wakeup.wait(after: wakeup.current, timeout: .seconds(1))
            }
        }
        if let connection {
            _ = try? store.releaseLeases(owner: owner, on: connection)
            connection.close()
        }
        for driver in drivers.values { driver.reset() }
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

    private func attempt(_ claim: ClaimedDelivery, driver: (any SinkDriver)?, owner: String,
                         on connection: PostgresConnection) throws {
        let clock = ContinuousClock()
        let startedAt = Timestamp.now()
        let began = clock.now
        let outcome = driver?.deliver(claim.payload)
            ?? .permanent(detail: "sink \(claim.sink) is not configured in this daemon")
        let duration = clock.now - began
        StatushookMetrics.shared.deliveryAttempted(sink: claim.sink, outcome: outcome)
        let decision = DeliveryRules.decide(attemptNumber: claim.attempt, outcome: outcome, schedule: schedule,
                                            random: Double.random(in: 0..<1))
        let finish = try store.finish(claim, outcome: outcome, decision: decision, worker: owner,
                                      startedAt: Timestamp.iso8601(seconds: startedAt.seconds, microseconds: startedAt.microseconds),
                                      duration: duration, noticeRecipients: sinkNames, on: connection)
        var metadata: Logger.Metadata = [
            "delivery_id": "\(claim.id)", "sink": "\(claim.sink)", "attempt": "\(claim.attempt)",
            "outcome": "\(outcome.name)", "decision": "\(decision)", "detail": "\(outcome.detail)",
        ]
        if !finish.applied { metadata["lease"] = "lost: result not applied" }
        switch outcome {
        case .delivered: logger.info("delivered", metadata: metadata)
        default: logger.warning("delivery attempt failed", metadata: metadata)
        }
        if let reason = finish.pauseReason {
            logger.error("sink paused", metadata: ["sink": "\(claim.sink)", "reason": "\(reason)",
                                                    "notices": "\(finish.noticeDeliveries)"])
        }
    }

    // MARK: - Listener

    private func listen() {
        while !isStopping {
            do {
                let connection = try PostgresConnection.connect(conninfo)
                defer { connection.close() }
                try connection.listen(OutboxStore.channel)
                // Notifications sent while we were away are lost: look again.
                wakeup.signal()
                while !isStopping {
                    if !(try connection.waitForNotifications(timeout: .seconds(1))).isEmpty {
                        wakeup.signal()
                    }
                }
            } catch {
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }
}
