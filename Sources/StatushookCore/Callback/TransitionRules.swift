/// Which status changes are expected (PRODUCT §1 "What is recorded").
///
/// Mirrors `expected_transitions` in `migrations/0001_initial.sql`; a test keeps the two equal.
public enum TransitionRules {
    /// The statuses Twilio documents for TrustHub resources.
    public static let knownStatuses = ["draft", "pending-review", "in-review", "twilio-rejected", "twilio-approved"]

    /// The expected pairs besides first sight (none → any known status).
    public static let expectedPairs: [(from: String, to: String)] = [
        ("draft", "pending-review"),
        ("pending-review", "draft"),
        ("pending-review", "in-review"),
        ("in-review", "twilio-approved"),
        ("in-review", "twilio-rejected"),
        ("twilio-rejected", "draft"),
        ("twilio-rejected", "pending-review"),
        ("twilio-approved", "draft"),
        ("twilio-approved", "pending-review"),
    ]

    /// Whether `from → to` is expected; `from` nil is first sight. An unknown `to` never is.
    public static func isExpected(from: String?, to: String) -> Bool {
        guard knownStatuses.contains(to) else { return false }
        guard let from else { return true }
        return expectedPairs.contains { $0.from == from && $0.to == to }
    }
}
