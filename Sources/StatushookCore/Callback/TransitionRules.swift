/// Which status changes are expected.
///
/// Twilio sends no callback for pending-review → in-review, so a verdict usually arrives
/// straight from pending-review. Mirrors the `expected_transitions` table (migrations 0001 and
/// 0009); a test keeps the two equal.
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
        ("pending-review", "twilio-approved"),
        ("pending-review", "twilio-rejected"),
    ]

    /// Whether `from → to` is expected; `from` nil is first sight. An unknown `to` never is.
    public static func isExpected(from: String?, to: String) -> Bool {
        guard knownStatuses.contains(to) else { return false }
        guard let from else { return true }
        return expectedPairs.contains { $0.from == from && $0.to == to }
    }
}
