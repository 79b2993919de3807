import Foundation
import TestSupport

/// Python, to check signatures with code that is not ours.
enum WebhookPython {
    /// Whether the interpreter has the official `standardwebhooks` package.
    static let hasStandardWebhooks: Bool = (try? TestPython.run(["-c", "import standardwebhooks"], input: Data()).status) == 0

    /// Verifies a recorded request with `Tests/support/verify_standard_webhooks.py`; its output.
    static func verify(_ request: HTTPTestReceiver.Recorded, secrets: [String], library: Bool) throws -> String {
        let input: [String: Any] = [
            "secrets": secrets,
            "headers": Dictionary(request.headers.map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first }),
            "body": request.body,
        ]
        let script = TestPython.supportFolder.appendingPathComponent("verify_standard_webhooks.py").path
        let result = try TestPython.run([script] + (library ? ["--library"] : []),
                                        input: try JSONSerialization.data(withJSONObject: input))
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
