import Foundation
import FuzzSupport
@testable import StatushookCore

/// `FormBody.decode`, the form half of `CallbackParser` and the signature's canonical bytes.
func fuzzForm(_ body: [UInt8]) {
    let form = FormBody.decode(body)
    checkDecoding(body, form)
    checkCanonicalOrder(form.pairs)
    checkContent(form)
}

private func checkDecoding(_ body: [UInt8], _ form: FormBody) {
    let segments = body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true)
    require(form.pairs.count == segments.count, "\(form.pairs.count) pairs from \(segments.count) segments")
    if !body.contains(UInt8(ascii: "%")) {
        require(!form.hasMalformedEscape, "a malformed escape without any '%'")
        if !body.contains(UInt8(ascii: "+")) {
            // Nothing to decode: each pair is its segment cut at the first '='.
            for (pair, segment) in zip(form.pairs, segments) {
                let hasEquals = segment.contains(UInt8(ascii: "="))
                require(hasEquals || pair.value.isEmpty, "a value from a segment without '='")
                let raw = hasEquals ? pair.name + [UInt8(ascii: "=")] + pair.value : pair.name
                require(raw == Array(segment), "pair \(shown(raw)) from segment \(shown(Array(segment)))")
            }
        }
    }
    // Any pairs, percent-encoded (upper or lower case hex, space as '+' or %20), decode to themselves.
    for style in EncodingStyle.allCases {
        let again = FormBody.decode(encode(form.pairs, style: style))
        require(again.pairs == form.pairs, "re-encoded (\(style)) pairs decode differently")
        require(!again.hasMalformedEscape, "re-encoded (\(style)) pairs have a malformed escape")
    }
}

/// The signature and the idempotency hash depend on the set of pairs, not on their order or repeats.
private func checkCanonicalOrder(_ pairs: [FormPair]) {
    let url = "https://example.com/callbacks/twilio?x=1"
    let canonical = TwilioSignature.canonicalBytes(url: url, pairs: pairs)
    let shuffled = Array(pairs.reversed()) + pairs.prefix(1)
    require(TwilioSignature.canonicalBytes(url: url, pairs: shuffled) == canonical, "canonical bytes depend on pair order")
    require(CallbackParser.canonicalParams(shuffled) == CallbackParser.canonicalParams(pairs), "canonicalParams depend on pair order")
    require(canonical.starts(with: Array(url.utf8)), "canonical bytes do not start with the URL")
}

private func checkContent(_ form: FormBody) {
    let content: CallbackContent
    do {
        content = try CallbackParser.parse(form: form)
    } catch {
        require(!hasControlCharacter(error.message), "error message with a control character: \(error.message)")
        return
    }
    require(form.isWellFormed, "accepted a body that is not well formed")
    require(CallbackParser.isSID(content.sid, prefix: "BU"), "accepted SID \(content.sid)")
    require(CallbackParser.isStatus(content.status), "accepted status \(content.status)")
    if let accountSid = content.accountSid {
        require(CallbackParser.isSID(accountSid, prefix: "AC"), "accepted AccountSid \(accountSid)")
        require(CallbackParser.accountSidHint(form: form, json: nil) == accountSid, "the token hint disagrees with the account")
    }
    require(content.isKnownStatus == TransitionRules.knownStatuses.contains(content.status), "isKnownStatus is wrong")
    // The SID comes from the first SID key with a non-empty first value.
    let expectedSid = CallbackParser.sidKeys.lazy.compactMap { form.firstValue(named: $0) }.first { !$0.isEmpty }
    require(expectedSid == Array(content.sid.utf8), "SID not from the first present key")

    // paramsJSON is stored as jsonb: it must parse, strictly and in Foundation, with one member per name.
    let json = Array(content.paramsJSON.utf8)
    guard case .object(let members)? = try? CallbackJSONParser.parse(json) else {
        fatalError("paramsJSON is not a JSON object: \(content.paramsJSON)")
    }
    let names = Set(form.pairs.map(\.name))
    require(members.count == names.count, "paramsJSON has \(members.count) members for \(names.count) names")
    require((try? JSONSerialization.jsonObject(with: Data(json))) is [String: Any], "Foundation rejects paramsJSON \(content.paramsJSON)")
}

private enum EncodingStyle: CaseIterable {
    case upperHexPlus
    case lowerHexPercent20
}

private func encode(_ pairs: [FormPair], style: EncodingStyle) -> [UInt8] {
    func escape(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: " ") where style == .upperHexPlus:
                out.append(UInt8(ascii: "+"))
            default:
                let hex = Array((style == .upperHexPlus ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return out
    }
    var out: [UInt8] = []
    for (index, pair) in pairs.enumerated() {
        if index > 0 { out.append(UInt8(ascii: "&")) }
        out += escape(pair.name) + [UInt8(ascii: "=")] + escape(pair.value)
    }
    return out
}
