import Foundation

/// A Standard Webhooks signing secret: `whsec_` then the base64 of the key bytes.
public struct StandardWebhooksSecret: Sendable, Equatable {
    /// Why a secret's text was refused; never holds the secret itself.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The HMAC key: the decoded bytes, never the text.
    public let key: [UInt8]

    /// Parses `whsec_<base64>`. Padding may be left out, as the reference libraries allow.
    public init(_ text: String) throws(Invalid) {
        guard text.hasPrefix("whsec_") else {
            throw Invalid(description: "a webhook secret starts with 'whsec_'")
        }
        // Foundation's decoder accepts oddities such as "====", so the alphabet is checked here.
        let encoded = text.dropFirst("whsec_".count)
        let padding = encoded.reversed().prefix { $0 == "=" }.count
        let digits = encoded.dropLast(padding)
        guard !digits.isEmpty else {
            throw Invalid(description: "a webhook secret may not be empty")
        }
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        guard padding <= 2, digits.count % 4 != 1, digits.allSatisfy(alphabet.contains),
              let decoded = Data(base64Encoded: digits + String(repeating: "=", count: (4 - digits.count % 4) % 4)) else {
            throw Invalid(description: "the part after 'whsec_' is not base64")
        }
        key = Array(decoded)
    }
}
