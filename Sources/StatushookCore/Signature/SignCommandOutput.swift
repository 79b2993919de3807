import Hashing

/// What `statushook sign` prints (docs/contract.md §5), for an operator testing a deployment by hand.
public enum SignCommandOutput {
    /// The URL to call and its `X-Twilio-Signature`.
    ///
    /// Form parameters are signed as Twilio signs them. With a JSON body, `bodySHA256=<hex>` is
    /// appended to the URL's query (after `?` or `&`, before any `#`) and the URL alone is signed.
    public static func signature(url: String, token: String, params: [(String, String)], jsonBody: [UInt8]?)
        -> (url: String, signature: String)
    {
        guard let jsonBody else {
            let pairs = params.map { FormPair($0.0, $0.1) }
            return (url, TwilioSignature.compute(url: url, pairs: pairs, token: token))
        }
        let signedURL = appendingQueryParameter("bodySHA256=" + Digest.sha256Hex(jsonBody), to: url)
        return (signedURL, TwilioSignature.compute(url: signedURL, pairs: [], token: token))
    }

    /// A ready POSIX-shell `curl` command that sends the signed request.
    ///
    /// Every argument is single-quoted (`'` written `'\''`). Form parameters go as
    /// `--data-urlencode 'name=value'`: curl percent-encodes the value (space as `%20`, `+` as
    /// `%2B`) but not the name, so a name with anything beyond `A-Z a-z 0-9 - . _ ~` is
    /// percent-encoded here; the body then decodes back to exactly these pairs. A JSON body is
    /// sent with `--data-binary @path`, or inline when no path is given.
    public static func curl(
        url: String,
        signature: String,
        params: [(String, String)],
        jsonBody: [UInt8]?,
        jsonBodyPath: String?
    ) -> String {
        var prefix = ""
        var lines = ["curl -sS -i " + shellQuoted(url), "-H " + shellQuoted("X-Twilio-Signature: " + signature)]
        if let jsonBody {
            lines.append("-H " + shellQuoted("Content-Type: application/json"))
            if let jsonBodyPath {
                lines.append("--data-binary " + shellQuoted("@" + jsonBodyPath))
            } else {
                let text = String(decoding: jsonBody, as: UTF8.self)
                if text.hasPrefix("@") {
                    // curl would read the file the rest names: send the body through stdin instead.
                    prefix = "printf '%s' " + shellQuoted(text) + " | "
                    lines.append("--data-binary @-")
                } else {
                    lines.append("--data-binary " + shellQuoted(text))
                }
            }
        } else if params.isEmpty {
            lines.append("--data ''")
        } else {
            for (name, value) in params {
                if name.isEmpty {
                    // `--data-urlencode '=value'` would send the value without its `=`.
                    lines.append("--data-raw " + shellQuoted("=" + percentEncoded(value)))
                } else {
                    lines.append("--data-urlencode " + shellQuoted(percentEncoded(name) + "=" + value))
                }
            }
        }
        return prefix + lines.joined(separator: " \\\n  ")
    }

    /// `text` as one POSIX-shell word.
    public static func shellQuoted(_ text: String) -> String {
        "'" + text.replacing("'", with: "'\\''") + "'"
    }

    /// Percent-encodes as curl's `--data-urlencode` does: all but `A-Z a-z 0-9 - . _ ~`.
    static func percentEncoded(_ text: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `url` with `parameter` added to its query, before any fragment.
    static func appendingQueryParameter(_ parameter: String, to url: String) -> String {
        let scalars = url.unicodeScalars
        let fragmentStart = scalars.firstIndex(of: "#") ?? url.endIndex
        let base = url[..<fragmentStart]
        let fragment = url[fragmentStart...]
        let separator: String
        if !base.unicodeScalars.contains("?") {
            separator = "?"
        } else if base.hasSuffix("?") || base.hasSuffix("&") {
            separator = ""
        } else {
            separator = "&"
        }
        return base + separator + parameter + fragment
    }
}
