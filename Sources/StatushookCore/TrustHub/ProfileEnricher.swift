import Foundation
import Logging
import PostgresClient
import Locking
import DurationUnits

/// Fills each claimed transition's `profile` and `kind` before its attempts: the resource's
/// stored fields, and for one not enriched since its last transition, a fresh
/// `GET /v1/CustomerProfiles/{Sid}` (on Twilio's 404, `GET /v1/TrustProducts/{Sid}`) stored
/// first, with the kind the answer tells.
///
/// Best effort and bounded: all the fetches of one batch share `budget` (2 s); whatever the API
/// did not answer in time (or at all) goes out with what is stored, and is fetched again with a
/// later batch of that profile (a retry of the delivery, or the next transition). Runs on the
/// dispatcher's worker threads, each with its own database connection and API client.
public final class ProfileEnricher: Sendable {
    private let settings: TrustHubSettings
    private let pool: PostgresPool
    private let health: TrustHubHealth
    private let logger: Logger
    private let budget: Duration
    /// Idle clients, one per thread at a time (an HTTPClient must not be shared by two threads).
    private let clients = Locked<[TrustHubClient]>([])
    /// The SIDs some worker is fetching now.
    private let fetches = FetchesInFlight()
    /// How long no batch calls the API after a call got no answer at all.
    static let unansweredPause = Duration.seconds(10)

    public init(settings: TrustHubSettings, database: PostgresEndpoint, health: TrustHubHealth, logger: Logger,
                budget: Duration = .seconds(2)) {
        self.settings = settings
        pool = PostgresPool(endpoint: database, maxConnections: 4)
        self.health = health
        self.logger = logger
        self.budget = budget
    }

    /// The dispatcher's `prepareClaims`: never throws, never takes longer than `budget` on the API.
    public func prepare(_ claims: [ClaimedDelivery]) -> [ClaimedDelivery] {
        var sids: [String] = []
        for claim in claims {
            if case .transition(let event) = claim.payload, !sids.contains(event.sid) { sids.append(event.sid) }
        }
        guard !sids.isEmpty else { return claims }
        let stored: [String: TrustHubStore.StoredProfile]
        do {
            stored = try pool.withConnection { connection in
                var stored = try TrustHubStore.profiles(sids: sids, on: connection)
                let deadline = ContinuousClock.now + budget
                // Another worker may be fetching some of these (the same transition's delivery to
                // another sink): this one fetches the rest, then waits for those and reads them.
                let (claimed, others) = fetches.claim(sids.filter { stored[$0]?.stale ?? false })
                do {
                    defer { fetches.release(claimed) }
                    // A fetch by another worker may have ended between the read above and the
                    // claim: only what is still stale is fetched (else one transition, two fetches).
                    let current = claimed.isEmpty ? [:] : try TrustHubStore.profiles(sids: claimed, on: connection)
                    let mine = claimed.filter { current[$0]?.stale ?? false }
                    let (fetched, absent) = fetch(mine, kinds: stored.compactMapValues(\.kind), deadline: deadline)
                    try TrustHubStore.markAbsent(sids: absent, on: connection)
                    try TrustHubStore.store(fetched, on: connection)
                }
                fetches.wait(for: others, until: deadline)
                stored.merge(try TrustHubStore.profiles(sids: claimed + others, on: connection)) { _, fresh in fresh }
                return stored
            }
        } catch {
            logger.warning("profile enrichment skipped: the database failed", metadata: ["error": "\(error)"])
            return claims
        }
        return claims.map { claim in
            guard case .transition(var event) = claim.payload, let profile = stored[event.sid] else { return claim }
            if profile.details.enriched || profile.details.friendlyName != nil { event.profile = profile.details }
            event.kind = profile.kind ?? event.kind
            var enriched = claim
            enriched.payload = .transition(event)
            return enriched
        }
    }

    /// Fetches `sids` in turn until the budget is spent or the API asks for a pause: the profiles
    /// read, and the SIDs the API does not know. A SID of known kind is asked under its own
    /// collection first (one request, not a 404 and a second).
    private func fetch(_ sids: [String], kinds: [String: ResourceKind],
                       deadline: ContinuousClock.Instant) -> (fetched: [TrustHubResource], absent: [String]) {
        guard !sids.isEmpty, !health.isPaused else { return ([], []) }
        let client = clients.withLock { $0.popLast() } ?? TrustHubClient(settings: settings)
        defer { clients.withLock { $0.append(client) } }
        let clock = ContinuousClock()
        var fetched: [TrustHubResource] = []
        var absent: [String] = []
        for sid in sids {
            let remaining = deadline - clock.now
            guard remaining > .milliseconds(50), !health.isPaused else { break }
            do throws(TrustHubError) {
                fetched.append(try client.fetchEither(sid: sid, likely: kinds[sid] ?? .customerProfile, timeout: remaining))
                if health.succeeded() { logger.notice("the TrustHub API answers again") }
            } catch .notFound {
                absent.append(sid)
                logger.warning("resource not found at the TrustHub API, neither as a CustomerProfile nor as a TrustProduct",
                               metadata: ["sid": "\(sid)"])
            } catch {
                // An API that does not answer would cost every batch the whole budget: skip it a while.
                if case .transport = error { health.failed(error, pause: Self.unansweredPause) } else { health.failed(error) }
                let metadata: Logger.Metadata = ["sid": "\(sid)", "error": "\(error)"]
                if case .unauthorized = error {
                    logger.error("profile enrichment: the TrustHub API refused the credentials", metadata: metadata)
                } else {
                    logger.warning("profile enrichment postponed", metadata: metadata)
                }
                // A refusal or an odd answer concerns this profile; anything else, the API.
                if case .refused = error { continue }
                if case .malformed = error { continue }
                break
            }
        }
        return (fetched, absent)
    }
}

/// The SIDs being fetched by some worker, so that two workers never fetch one profile at once.
private final class FetchesInFlight: Sendable {
    /// Broadcast when fetches end, for the workers waiting for them.
    private let sids = LockedCondition<Set<String>>([])

    /// Splits `wanted` into the SIDs this worker now fetches and those another one already is.
    func claim(_ wanted: [String]) -> (mine: [String], others: [String]) {
        sids.withLock { sids in
            let others = wanted.filter { sids.contains($0) }
            let mine = wanted.filter { !sids.contains($0) }
            sids.formUnion(mine)
            return (mine, others)
        }
    }

    func release(_ done: [String]) {
        guard !done.isEmpty else { return }
        sids.withLock { $0.subtract(done) }
        sids.broadcast()
    }

    /// Returns once none of `others` is being fetched, or at `deadline`.
    func wait(for others: [String], until deadline: ContinuousClock.Instant) {
        guard !others.isEmpty else { return }
        sids.wait(for: { sids in !others.contains(where: sids.contains) },
                  timeout: max(deadline - ContinuousClock.now, .zero)) { _ in }
    }
}
