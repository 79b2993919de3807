/// How long the reconciler waits before its next request to the TrustHub API: a steady spacing
/// between pages, the API's `Retry-After` when it gives one, else a backoff that doubles with
/// each failure in a row.
struct ReconcilePacing: Sendable, Equatable {
    /// Between two pages that succeeded: at most five requests a second.
    var spacing = Duration.milliseconds(200)
    var initialBackoff = Duration.seconds(1)
    var maximumBackoff = Duration.seconds(300)
    /// Failures of one page in a row before the pass gives up (until the next interval).
    var attemptsPerPage = 6
    private(set) var backoff = Duration.seconds(1)

    init() {}

    /// After a page was read: the wait before the next one.
    mutating func afterSuccess() -> Duration {
        backoff = initialBackoff
        return spacing
    }

    /// After a transient failure: the wait before trying again (never less than `spacing`).
    mutating func afterFailure(_ error: TrustHubError) -> Duration {
        let wait = min(max(error.retryAfter ?? backoff, spacing), maximumBackoff)
        backoff = min(backoff * 2, maximumBackoff)
        return wait
    }
}
