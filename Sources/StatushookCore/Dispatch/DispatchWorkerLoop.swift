/// A dispatcher worker's choices between batches, decided without I/O: the housekeeping due
/// before a claim, how long to wait when there is nothing to do, and what an error costs.
struct DispatchWorkerLoop {
    /// What to do when a claim found nothing.
    enum Idle: Equatable {
        /// The sink is paused: every commit of ingest NOTIFYs, and none of it is this sink's to
        /// deliver until it is resumed; sleep this long (a stop ends it) and look again.
        case poll(Duration)
        /// Wait for a NOTIFY (or a stop), at most this long: the next retry is due by then.
        case waitForWakeup(Duration)
    }

    /// The sweep due before a claim.
    enum Sweep: Equatable {
        case notDue
        /// Take back the expired leases of every sink.
        case expiredLeases
        /// The first: end the leases of processes of this host that are gone (killed, crashed),
        /// so that a restarted daemon resumes their deliveries at once; then the expired ones.
        case deadProcessesThenExpiredLeases
    }

    /// What to do after an error.
    struct Recovery: Equatable {
        /// The connection is lost: close it, and connect again at the next round.
        var dropConnection: Bool
        /// Before the next round (a stop or a NOTIFY ends it earlier).
        var wait: Duration
    }

    let settings: Dispatcher.Settings
    /// This worker also takes back expired leases (of every sink): one worker per dispatcher.
    let sweeps: Bool
    /// A batch whose outcome could not be recorded (the database was lost, or refused the
    /// record): its leases name this worker, which is alive, so nobody would take them back
    /// before they expire. They end as soon as the database answers again.
    private(set) var abandoned = false
    private var lastSweep: ContinuousClock.Instant?

    init(settings: Dispatcher.Settings, sweeps: Bool) {
        self.settings = settings
        self.sweeps = sweeps
    }

    /// Whether this worker's own leases must end first (``abandoned``); report with `ownLeasesExpired`.
    var expireOwnLeases: Bool { abandoned }

    mutating func ownLeasesExpired() {
        abandoned = false
    }

    /// The sweep due at `now`, after the own leases; one that is due counts as done from `now`
    /// (a sweep that fails waits for the next interval).
    mutating func sweep(now: ContinuousClock.Instant) -> Sweep {
        guard sweeps else { return .notDue }
        if let lastSweep, now - lastSweep < settings.sweepInterval { return .notDue }
        defer { lastSweep = now }
        return lastSweep == nil ? .deadProcessesThenExpiredLeases : .expiredLeases
    }

    /// After a claim of `count` deliveries: whether another worker should look too (a full
    /// batch says there is likely more).
    func wakeAnother(claimed count: Int) -> Bool {
        count == settings.claimBatch
    }

    /// A claim found nothing: `nextDue` is how far the sink's next retry (or lease expiry) is.
    func idle(nextDue: Duration?, paused: Bool) -> Idle {
        let timeout = min(max(nextDue ?? settings.idleWait, .milliseconds(1)), settings.idleWait)
        return paused ? .poll(min(timeout, settings.pausedPoll)) : .waitForWakeup(timeout)
    }

    /// An error anywhere in a round: whatever this worker claimed may be left unrecorded. A lost
    /// connection also makes the sweep due at once on the next one: after a failover the new
    /// primary holds leases of processes that died with the old one, not worth 30 s of waiting.
    mutating func failed(connectionLost: Bool) -> Recovery {
        abandoned = true
        if connectionLost { lastSweep = nil }
        return Recovery(dropConnection: connectionLost, wait: .seconds(1))
    }
}
