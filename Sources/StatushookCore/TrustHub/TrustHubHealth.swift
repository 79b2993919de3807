import Locking

/// The state of statushook's calls to the TrustHub API, shared by the enricher's threads and the
/// reconciler: the last error (for `/readyz` and the log), and a pause during which nobody calls
/// (after a 401, a 429's `Retry-After`, or server trouble), so that a broken credential or a
/// rate limit is not hammered by every batch.
public final class TrustHubHealth: Sendable {
    private struct State {
        var detail = "not called yet"
        var pausedUntil: ContinuousClock.Instant?
        var failing = false
    }

    private let state = Locked(State())
    private let clock = ContinuousClock()
    /// Told each new detail (`/readyz`).
    private let report: @Sendable (String) -> Void

    /// How long nobody calls after the API refused the credentials.
    static let unauthorizedPause = Duration.seconds(60)

    public init(report: @escaping @Sendable (String) -> Void = { _ in }) {
        self.report = report
        report("not called yet")
    }

    /// Whether calls wait for now.
    public var isPaused: Bool {
        state.withLock { state in state.pausedUntil.map { clock.now < $0 } ?? false }
    }

    /// How long until calls may resume; zero when they may now.
    public var pauseRemaining: Duration {
        state.withLock { state in
            guard let until = state.pausedUntil else { return .zero }
            return max(.zero, until - clock.now)
        }
    }

    public var detail: String {
        state.withLock { $0.detail }
    }

    /// A call answered; true when this ends a failure (worth a log line).
    @discardableResult
    public func succeeded() -> Bool {
        let (wasFailing, changed) = state.withLock { state -> (Bool, Bool) in
            let before = (state.failing, state.detail != "ok")
            state.failing = false
            state.detail = "ok"
            state.pausedUntil = nil
            return before
        }
        if changed { report("ok") }
        return wasFailing
    }

    /// A call failed: remember why, and pause calls for `pause` (or the error's own wait).
    public func failed(_ error: TrustHubError, pause: Duration? = nil) {
        let wait: Duration?
        switch error {
        case .unauthorized: wait = Self.unauthorizedPause
        case .rateLimited(let retryAfter): wait = retryAfter ?? pause ?? .seconds(5)
        case .unavailable(_, let retryAfter): wait = retryAfter ?? pause
        default: wait = pause
        }
        let detail = "error: " + error.description
        state.withLock { state in
            state.failing = true
            state.detail = detail
            if let wait {
                let until = clock.now + wait
                state.pausedUntil = max(state.pausedUntil ?? until, until)
            }
        }
        report(detail)
    }
}
