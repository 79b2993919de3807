import Foundation
import FuzzSupport
@testable import StatushookCore

/// `CallbackJSONParser` against Foundation's `JSONSerialization`, its writer (`CallbackJSON.text`),
/// and the JSON half of `CallbackParser`.
func fuzzJSON(_ body: [UInt8]) {
    let foundationAccepts = (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) != nil
    do {
        let value = try CallbackJSONParser.parse(body)
        require(foundationAccepts || hasNumberBeyondDouble(value), "accepted JSON that Foundation rejects: \(shown(body))")
        // The compact text reads back as the same value, for Foundation too.
        let text = Array(value.text.utf8)
        let again = try? CallbackJSONParser.parse(text)
        require(again == value && again.map { Array($0.text.utf8) == text } ?? false, "the compact text \(shown(text)) reads back differently")
        require(foundationAccepts == ((try? JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed])) != nil),
                "Foundation reads the compact text \(shown(text)) differently from the body")
    } catch {
        require((0...body.count).contains(error.offset), "offset \(error.offset) outside 0...\(body.count)")
        if foundationAccepts {
            require(isDocumentedStrictness(body, error), "rejected JSON that Foundation accepts (\(error.message) at \(error.offset)): \(shown(body))")
        }
    }
    checkContent(body)
}

/// Where the parser is stricter than RFC 8259 on purpose (so that PostgreSQL's jsonb can store the
/// body, numbers included: no exponent beyond ±1000), or where Foundation is looser than the RFC: it guesses UTF-16 and UTF-32 from the bytes,
/// skips a byte order mark, ends the text at a NUL byte, and takes a trailing comma in an array
/// or object.
private func isDocumentedStrictness(_ body: [UInt8], _ failure: CallbackJSONParser.Failure) -> Bool {
    if String(validating: body, as: UTF8.self) == nil || body.starts(with: [0xEF, 0xBB, 0xBF]) { return true }
    // Foundation stops reading at a NUL byte: it takes `9\0` as `9`.
    if body.contains(0) { return true }
    if failure.offset < body.count, body[failure.offset] == UInt8(ascii: "}") || body[failure.offset] == UInt8(ascii: "]"),
       body[..<failure.offset].last(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: ",") {
        return true
    }
    let messages = [
        "\\u0000 cannot be stored",
        "a high surrogate must be followed by a low surrogate",
        "a low surrogate without a high surrogate",
        "nested deeper than \(CallbackJSONParser.maximumDepth) levels",
        "string is not valid UTF-8",
        "number exponent beyond ±\(CallbackJSONParser.maxExponent)",
    ]
    return messages.contains(failure.message)
}

private func checkContent(_ body: [UInt8]) {
    let content: CallbackContent
    do {
        content = try CallbackParser.parse(json: body)
    } catch {
        require(!hasControlCharacter(error.message), "error message with a control character: \(error.message)")
        return
    }
    require(CallbackParser.isSID(content.sid, prefix: "BU"), "accepted SID \(content.sid)")
    require(CallbackParser.isStatus(content.status), "accepted status \(content.status)")
    if let accountSid = content.accountSid {
        require(CallbackParser.isSID(accountSid, prefix: "AC"), "accepted AccountSid \(accountSid)")
        require(CallbackParser.accountSidHint(form: nil, json: body) == accountSid, "the token hint disagrees with AccountSid")
    }
    require(content.paramsJSON.utf8.elementsEqual(body), "paramsJSON is not the body as sent")
    require(content.canonicalParams == body, "canonicalParams is not the body as sent")
}

/// Foundation refuses a number that a `Double` cannot hold (`1e400`); RFC 8259 and PostgreSQL's
/// `numeric` take it.
private func hasNumberBeyondDouble(_ value: CallbackJSON) -> Bool {
    switch value {
    case .number(let text): Double(text).map { !$0.isFinite } ?? true
    case .array(let values): values.contains(where: hasNumberBeyondDouble)
    case .object(let members): members.contains { hasNumberBeyondDouble($0.value) }
    case .null, .bool, .string: false
    }
}
