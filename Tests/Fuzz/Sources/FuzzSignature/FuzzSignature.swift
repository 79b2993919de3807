import FuzzSupport
import Hashing
@testable import StatushookCore

/// `SignatureCheck`, `TwilioSignature` and `SignedURLBuilder`.
///
/// The input is four fields, one a line: the signed URL, the auth token, an `X-Twilio-Signature`
/// header, then the body (the rest, line feeds included).
func fuzzSignature(_ input: [UInt8]) {
    let parts = fields(input, count: 4)
    let url = String(decoding: parts[0], as: UTF8.self)
    let token = String(decoding: parts[1], as: UTF8.self)
    let header = String(decoding: parts[2], as: UTF8.self)
    let body = parts[3]
    checkVariants(url)
    checkFormSignature(url: url, token: token, header: header, body: body)
    checkJSONSignature(url: url, token: token, header: header, body: body)
    checkURLBuilder(target: String(decoding: parts[0], as: UTF8.self), host: token, forwarded: header)
}

private func checkVariants(_ url: String) {
    let variants = TwilioSignature.urlVariants(url)
    require(variants.first.map { $0.utf8.elementsEqual(url.utf8) } ?? false, "the first variant is not the URL itself")
    require((1...2).contains(variants.count) && Set(variants).count == variants.count, "variants \(variants)")
    if let parts = SignedURLParts(url) {
        require(parts.text.utf8.elementsEqual(url.utf8), "SignedURLParts does not give back \(url) but \(parts.text)")
    }
}

private func trimmed(_ header: String) -> [UInt8] {
    let bytes = Array(header.utf8)
    let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return [] }
    return Array(bytes[first...last])
}

private func checkFormSignature(url: String, token: String, header: String, body: [UInt8]) {
    let form = FormBody.decode(body)
    let verify = { (header: String?, tokens: [String]) in
        SignatureCheck.verify(signatureHeader: header, url: url, kind: .form, rawBody: body, form: nil, tokens: tokens)
    }
    let expected = TwilioSignature.compute(url: url, pairs: form.pairs, token: token)
    require(expected == TwilioSignature.compute(url: url, pairs: form.pairs, token: token), "compute is not deterministic")

    // What it computes, it accepts, with or without blanks around it.
    require(verify(expected, [token]) == .valid, "its own signature is refused")
    require(verify(" \t" + expected + " ", [token]) == .valid, "its own signature with blanks is refused")
    require(verify(expected, ["other-" + token, token]) == .valid, "its own signature is refused with a second token")
    // Under another token, or with no token, nothing passes.
    require(verify(expected, ["other-" + token]) == .mismatch, "a signature under another token passes")
    require(verify(expected, []) == .mismatch, "a signature passes without a token")

    // The fuzzed header passes exactly when it is a signature of the URL or its port variant.
    let candidates = TwilioSignature.urlVariants(url).map { Array(TwilioSignature.compute(url: $0, pairs: form.pairs, token: token).utf8) }
    let want: SignatureVerdict = trimmed(header).isEmpty ? .missing : candidates.contains(trimmed(header)) ? .valid : .mismatch
    let verdict = verify(header, [token])
    require(verdict == want, "verdict \(verdict), expected \(want)")
    require(SignatureCheck.verify(signatureHeader: header, url: url, kind: .form, rawBody: body, form: form, tokens: [token]) == verdict,
            "a decoded form gives another verdict")
    require(verify(nil, [token]) == .missing, "no header is not missing")
}

private func checkJSONSignature(url: String, token: String, header: String, body: [UInt8]) {
    let verify = { (url: String, header: String, body: [UInt8]) in
        SignatureCheck.verify(signatureHeader: header, url: url, kind: .json, rawBody: body, form: nil, tokens: [token])
    }
    if SignatureCheck.bodySHA256(in: url) == nil, !trimmed(header).isEmpty {
        require(verify(url, header, body) == .bodyHashMissing, "a JSON body without bodySHA256 is not reported so")
    }
    let hash = Digest.sha256Hex(body)
    let signedURL = url + (url.contains("?") ? "&" : "?") + "bodySHA256=" + hash
    guard SignatureCheck.bodySHA256(in: signedURL) == Array(hash.utf8) else { return }
    let signature = TwilioSignature.compute(url: signedURL, pairs: [], token: token)
    require(verify(signedURL, signature, body) == .valid, "its own JSON signature is refused")
    require(verify(signedURL, signature, body + [0x20]) == .bodyHashMismatch, "a changed JSON body is not a body hash mismatch")
    require(verify(signedURL, signature + "A", body) == .mismatch, "a longer JSON signature passes")
}

private func checkURLBuilder(target rawTarget: String, host: String, forwarded: String) {
    let target = "/callbacks/twilio?" + rawTarget
    let headers: [String: String] = [
        "host": host,
        "x-forwarded-proto": forwarded,
        "x-forwarded-host": String(forwarded.reversed()),
        "x-forwarded-port": String(forwarded.unicodeScalars.filter { ("0"..."9").contains($0) }.prefix(5)),
    ]
    let header = { (name: String) in headers[name.lowercased()] }
    let proxies = try! TrustedProxies(parsing: ["127.0.0.0/8"])
    let builder = SignedURLBuilder(publicURL: nil, trustedProxies: proxies)

    let direct = builder.signedURL(target: target, peer: "192.0.2.1", header: header)
    if !host.unicodeScalars.contains(where: { $0 == "," || $0 == " " || $0 == "\t" }) {
        require(direct.utf8.elementsEqual(("http://" + host + target).utf8), "an untrusted peer gives \(direct)")
    }
    require(hasPrefix(direct, "http://") && hasSuffix(direct, target), "an untrusted peer gives \(direct)")
    let proxied = builder.signedURL(target: target, peer: "127.0.0.1", header: header)
    require((hasPrefix(proxied, "http://") || hasPrefix(proxied, "https://")) && hasSuffix(proxied, target), "a proxied request gives \(proxied)")

    let fixed = SignedURLBuilder(publicURL: "https://hooks.example.com/base//", trustedProxies: proxies)
    require(fixed.signedURL(target: target, peer: "127.0.0.1", header: header).utf8.elementsEqual(("https://hooks.example.com/base" + target).utf8),
            "public_url is not used as written")
}

// Byte comparisons: `String`'s own compare graphemes, so a combining mark after the `/` of
// `http://` would make a correct URL look wrong (and a wrong one look right).
private func hasPrefix(_ text: String, _ prefix: String) -> Bool {
    text.utf8.starts(with: prefix.utf8)
}

private func hasSuffix(_ text: String, _ suffix: String) -> Bool {
    text.utf8.reversed().starts(with: suffix.utf8.reversed())
}
