import Foundation
import Hashing

/// Standard Webhooks signatures (https://www.standardwebhooks.com, spec 1.0.0, "Signature scheme"):
/// HMAC-SHA256 over `{id}.{timestamp}.{body}`, sent as `v1,<base64>`.
public enum StandardWebhooksSignature {
    /// The content signed: the message id, the unix timestamp in decimal and the body, joined
    /// by full stops. The id must hold no `.` (the spec's rule against ambiguous splits).
    public static func signedContent(id: String, timestamp: Int64, body: [UInt8]) -> [UInt8] {
        Array("\(id).\(timestamp).".utf8) + body
    }

    /// One signature, `v1,<base64 of the HMAC>`.
    public static func sign(id: String, timestamp: Int64, body: [UInt8], secret: StandardWebhooksSecret) -> String {
        let mac = Digest.hmacSHA256(key: secret.key, message: signedContent(id: id, timestamp: timestamp, body: body))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The `webhook-signature` value: one signature per secret, space-separated, so that a
    /// receiver holding either the current or the previous secret verifies during a rotation.
    public static func header(id: String, timestamp: Int64, body: [UInt8], secrets: [StandardWebhooksSecret]) -> String {
        secrets.map { sign(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }

    /// What a receiver checks: some `v1` entry of `header` is the signature under `secret`.
    /// Entries of other versions are skipped; the comparison is in constant time.
    public static func verify(header: String, id: String, timestamp: Int64, body: [UInt8],
                              secret: StandardWebhooksSecret) -> Bool {
        let expected = Digest.hmacSHA256(key: secret.key, message: signedContent(id: id, timestamp: timestamp, body: body))
        var matched = false
        for entry in header.split(separator: " ") {
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let given = Data(base64Encoded: String(parts[1])) else {
                continue
            }
            // Every entry is compared, so the time taken does not say which one matched.
            matched = Digest.constantTimeEqual(Array(given), expected) || matched
        }
        return matched
    }
}
