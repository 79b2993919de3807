import Foundation
import Logging
import PostgresClient

/// Every `reconcile_interval`, reads the whole lists of CustomerProfiles and TrustProducts from
/// the TrustHub API and records each status that differs from what statushook knows as a
/// transition with source `reconcile`, delivered like any other; the fields and the kind of
/// every listed resource are stored too.
///
/// One daemon at a time runs a pass: the one that takes a PostgreSQL advisory lock; the others
/// skip that round. A thread of its own (libpq and libcurl block). Requests are paced
/// (``ReconcilePacing``); a 429 or 5xx waits and retries the page; a 401 ends the pass with an
/// error in the log and in `/readyz`, and the next pass tries again an interval later.
public final class Reconciler: BackgroundService {
    private let settings: TrustHubSettings
    private let interval: Duration
    private let database: PostgresEndpoint
    /// Name and status filter of each sink, as the callback path chooses deliveries.
    private let sinks: [SinkConfiguration]
    private let health: TrustHubHealth
    private let logger: Logger
    private let threads = ServiceThreads()
    /// How long one page may take.
    private let pageTimeout = Duration.seconds(30)

    public init(settings: TrustHubSettings, interval: Duration, database: PostgresEndpoint, sinks: [SinkConfiguration],
                health: TrustHubHealth, logger: Logger) {
        self.settings = settings
        self.interval = interval
        self.database = database
        self.sinks = sinks
        self.health = health
        self.logger = logger
    }

    public var serviceName: String { "reconciler" }

    public func start(failure: ServiceFailure) {
        threads.spawn("reconcile") { [self] in run() }
    }

    /// Ends the pass in progress at its next request (a request under way runs to its end or
    /// its timeout) and waits for the thread until `deadline`.
    public func stop(deadline: ContinuousClock.Instant) -> Bool {
        threads.requestStop()
        return threads.awaitEnd(deadline: deadline)
    }

    private var isStopping: Bool {
        threads.isStopping
    }

    /// Sleeps `duration` unless stopped first; false when stopping.
    private func pause(_ duration: Duration) -> Bool {
        threads.sleep(duration)
    }

    private func run() {
        let client = TrustHubClient(settings: settings)
        let clock = ContinuousClock()
        logger.info("reconciliation with the TrustHub API is on", metadata: ["interval": "\(interval)"])
        while !isStopping {
            let began = clock.now
            do {
                try pass(client: client)
            } catch {
                logger.warning("reconciliation pass failed; trying again next interval", metadata: ["error": "\(error)"])
            }
            guard pause(began + interval - clock.now) else { break }
        }
    }

    /// One pass over every page, under the advisory lock.
    private func pass(client: TrustHubClient) throws {
        // A pause (a refused credential, a rate limit) is waited out before taking the lock.
        guard pause(health.pauseRemaining) else { return }
        let connection = try database.connect()
        defer { connection.close() }
        guard try TrustHubStore.tryLockReconcile(on: connection) else {
            logger.debug("another instance is reconciling; skipping this round")
            return
        }
        defer {
            do {
                try TrustHubStore.unlockReconcile(on: connection)
            } catch {
                // The connection closes next, which lets go of the lock anyway.
                logger.debug("reconciliation: unlocking failed", metadata: ["error": "\(error)"])
            }
        }

        var pacing = ReconcilePacing()
        var (pages, listed, recorded) = (0, [ResourceKind: Int](), 0)
        for kind in ResourceKind.allCases {
            var url = client.firstPageURL(kind: kind, pageSize: 1000)
            while true {
                guard pause(health.pauseRemaining), let page = readPage(url, kind: kind, client: client, pacing: &pacing) else { return }
                pages += 1
                listed[kind, default: 0] += page.profiles.count
                recorded += try apply(page, on: connection)
                guard let next = page.nextPageURL else { break }
                url = next
                guard pause(pacing.afterSuccess()) else { return }
            }
        }
        logger.info("reconciliation pass done", metadata: [
            "pages": "\(pages)", "profiles": "\(listed[.customerProfile] ?? 0)",
            "trust_products": "\(listed[.trustProduct] ?? 0)", "transitions": "\(recorded)",
        ])
    }

    /// The page at `url`, retried on a rate limit or server trouble; nil when the pass must end.
    private func readPage(_ url: String, kind: ResourceKind, client: TrustHubClient,
                          pacing: inout ReconcilePacing) -> TrustHubResourcePage? {
        for attempt in 1...pacing.attemptsPerPage {
            do throws(TrustHubError) {
                let page = try client.page(url: url, kind: kind, timeout: pageTimeout)
                if health.succeeded() { logger.notice("the TrustHub API answers again") }
                return page
            } catch {
                let wait = pacing.afterFailure(error)
                health.failed(error, pause: error.isTransient ? wait : nil)
                guard error.isTransient, attempt < pacing.attemptsPerPage else {
                    if case .unauthorized = error {
                        logger.error("reconciliation: the TrustHub API refused the credentials", metadata: ["error": "\(error)"])
                    } else {
                        logger.error("reconciliation pass abandoned", metadata: ["error": "\(error)", "attempts": "\(attempt)"])
                    }
                    return nil
                }
                logger.warning("reconciliation: waiting before trying the page again",
                               metadata: ["error": "\(error)", "wait": "\(wait)", "attempt": "\(attempt)"])
                guard pause(wait) else { return nil }
            }
        }
        return nil
    }

    /// Records the page's differing statuses and stores every listed resource's fields and kind.
    private func apply(_ page: TrustHubResourcePage, on connection: PostgresConnection) throws -> Int {
        let known = try TrustHubStore.statuses(sids: page.profiles.map(\.sid), on: connection)
        var recorded = 0
        for profile in page.profiles where known[profile.sid] != profile.status {
            let matching = sinks.filter { $0.statuses?.contains(profile.status) ?? true }.map(\.name)
            if let transition = try TrustHubStore.recordReconciled(profile, sinks: matching, on: connection) {
                recorded += 1
                logger.notice("status change found by reconciliation", metadata: [
                    "sid": "\(profile.sid)", "kind": "\(profile.kind?.rawValue ?? "unknown")", "from": "\(known[profile.sid] ?? "(first seen)")", "to": "\(profile.status)",
                    "transition_id": "\(transition)",
                ])
            }
        }
        try TrustHubStore.store(page.profiles, on: connection)
        return recorded
    }
}
