import Foundation
import Hashing

/// The `X-Twilio-Signature` algorithm, exactly as Twilio's helper libraries compute it.
public enum TwilioSignature {
    /// The bytes Twilio signs for a form body.
    ///
    /// The URL, then for each name in UTF-8 byte order (not `String` order, which compares
    /// canonically equivalent text as equal), for each of its distinct values in byte order,
    /// name + value. A JSON body signs the URL alone: pass no pairs.
    public static func canonicalBytes(url: String, pairs: [FormPair]) -> [UInt8] {
        Array(url.utf8) + canonicalParameters(pairs)
    }

    /// What the canonical bytes append to the URL; the same for every URL variant.
    static func canonicalParameters(_ pairs: [FormPair]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, values) in sortedDistinct(pairs) {
            for value in values {
                out += name
                out += value
            }
        }
        return out
    }

    /// Base64 (with padding) of HMAC-SHA1 of the canonical bytes, keyed by the UTF-8 of `token`.
    public static func compute(url: String, pairs: [FormPair], token: String) -> String {
        compute(url: url, canonicalParameters: canonicalParameters(pairs), token: token)
    }

    /// `compute(url:pairs:token:)` with the parameters' part made once for every URL variant.
    static func compute(url: String, canonicalParameters: [UInt8], token: String) -> String {
        let mac = Digest.hmacSHA1(key: Array(token.utf8), message: Array(url.utf8) + canonicalParameters)
        return Data(mac).base64EncodedString()
    }

    /// The URL as given, then its port variant.
    ///
    /// Twilio's back end is inconsistent about default ports, so its libraries accept both: a URL
    /// without a port also with `:443` (https) or `:80` (http); a URL with a port also without
    /// it. Userinfo is kept (unlike Python's `remove_port`, which drops it), and nothing is
    /// re-encoded. A text that is not an absolute URL has no variant.
    public static func urlVariants(_ url: String) -> [String] {
        guard var parts = SignedURLParts(url) else { return [url] }
        if parts.port != nil {
            parts.port = nil
        } else if let port = parts.defaultPort {
            parts.port = Substring(port)
        } else {
            return [url]
        }
        let variant = parts.text
        return variant == url ? [url] : [url, variant]
    }

    /// The names in byte order, each with its distinct values in byte order.
    static func sortedDistinct(_ pairs: [FormPair]) -> [(name: [UInt8], values: [[UInt8]])] {
        // Sorted by name then value, equal neighbours merged: no hashing of byte arrays per request.
        let sorted = pairs.sorted {
            $0.name == $1.name ? $0.value.lexicographicallyPrecedes($1.value) : $0.name.lexicographicallyPrecedes($1.name)
        }
        var result: [(name: [UInt8], values: [[UInt8]])] = []
        for pair in sorted {
            if let last = result.indices.last, result[last].name == pair.name {
                if result[last].values.last != pair.value { result[last].values.append(pair.value) }
            } else {
                result.append((name: pair.name, values: [pair.value]))
            }
        }
        return result
    }
}
