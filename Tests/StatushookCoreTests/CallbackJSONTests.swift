import Testing
@testable import StatushookCore

@Suite("Callback: reading a JSON body")
struct CallbackJSONTests {
    static let bu = "BU" + String(repeating: "a", count: 32)
    static let bu2 = "BU" + String(repeating: "b", count: 32)
    static let ac = "AC" + String(repeating: "0", count: 32)

    private func parse(_ body: String) throws(CallbackContentError) -> CallbackContent {
        try CallbackParser.parse(json: Array(body.utf8))
    }

    private func error(_ body: String) -> String? {
        error(Array(body.utf8))
    }

    private func error(_ body: [UInt8]) -> String? {
        do {
            _ = try CallbackParser.parse(json: body)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("a typical JSON callback; params JSON and canonical params are the raw body")
    func typical() throws {
        let body = #"{"AccountSid": "\#(Self.ac)", "CustomerProfileSid": "\#(Self.bu)", "Status": "twilio-approved", "Extra": {"a": [1, 2.5e3]}}"#
        let content = try parse(body)
        #expect(content.sid == Self.bu)
        #expect(content.status == "twilio-approved")
        #expect(content.accountSid == Self.ac)
        #expect(content.failureReason == nil)
        #expect(content.isKnownStatus)
        #expect(content.paramsJSON == body)
        #expect(content.canonicalParams == Array(body.utf8))
    }

    @Test("the SID keys have the form's precedence")
    func sidPrecedence() throws {
        #expect(try parse(#"{"Sid": "\#(Self.bu2)", "ResourceSid": "\#(Self.bu)", "Status": "draft"}"#).sid == Self.bu)
        #expect(try parse(#"{"BundleSid": "\#(Self.bu2)", "CustomerProfileSid": "\#(Self.bu)", "Status": "draft"}"#).sid == Self.bu)
        #expect(try parse(#"{"TrustProductSid": "\#(Self.bu)", "Sid": "\#(Self.bu2)", "Status": "draft"}"#).sid == Self.bu)
    }

    @Test("null and empty SID values count as absent")
    func nullSID() throws {
        #expect(try parse(#"{"CustomerProfileSid": null, "BundleSid": "", "Sid": "\#(Self.bu)", "Status": "draft"}"#).sid == Self.bu)
    }

    @Test("a SID that is not a string is refused, naming its key and what it was")
    func nonStringSID() {
        #expect(error(#"{"BundleSid": 5, "Status": "draft"}"#) == "invalid SID: BundleSid must be a string, not a number")
        #expect(error(#"{"Sid": ["\#(Self.bu)"], "Status": "draft"}"#) == "invalid SID: Sid must be a string, not an array")
    }

    @Test("missing and invalid SIDs read as for a form")
    func sidErrors() {
        #expect(error(#"{"Status": "draft"}"#)
            == "missing resource SID: expected one of CustomerProfileSid, CustomerProfileSID, TrustProductSid, TrustProductSID, "
            + "BundleSID, BundleSid, ResourceSid, ResourceSID, Sid, SID")
        #expect(error(#"{"BundleSid": "BUxyz", "Status": "draft"}"#) == "invalid SID 'BUxyz' in BundleSid: expected BU followed by 32 hex digits")
    }

    @Test("status from Status, else status")
    func statusKeys() throws {
        #expect(try parse(#"{"Sid": "\#(Self.bu)", "status": "in-review"}"#).status == "in-review")
        #expect(try parse(#"{"Sid": "\#(Self.bu)", "Status": "draft", "status": "in-review"}"#).status == "draft")
        #expect(try parse(#"{"Sid": "\#(Self.bu)", "Status": null, "status": "in-review"}"#).status == "in-review")
    }

    @Test("status errors: missing, not a string, bad pattern; unknown kept")
    func statusErrors() throws {
        #expect(error(#"{"Sid": "\#(Self.bu)"}"#) == "missing Status (or status)")
        #expect(error(#"{"Sid": "\#(Self.bu)", "Status": true}"#) == "invalid Status: Status must be a string, not a boolean")
        #expect(error(#"{"Sid": "\#(Self.bu)", "status": {}}"#) == "invalid Status: status must be a string, not an object")
        #expect(error(#"{"Sid": "\#(Self.bu)", "Status": "In Review"}"#) == "invalid Status 'In Review': expected 1-64 of a-z, 0-9, '-'")
        let unknown = try parse(#"{"Sid": "\#(Self.bu)", "Status": "archived"}"#)
        #expect(unknown.status == "archived")
        #expect(!unknown.isKnownStatus)
    }

    @Test("Twilio's documented names in JSON: AccountSID, BundleSID; TrustProductSID tells the kind")
    func documented() throws {
        let content = try parse(#"{"AccountSID": "\#(Self.ac)", "BundleSID": "\#(Self.bu)", "Status": "pending-review"}"#)
        #expect(content.sid == Self.bu && content.accountSid == Self.ac && content.kind == nil)
        #expect(try parse(#"{"TrustProductSID": "\#(Self.bu)", "Status": "draft"}"#).kind == .trustProduct)
        #expect(error(#"{"Sid": "\#(Self.bu)", "Status": "draft", "AccountSID": "AC1"}"#)
            == "invalid AccountSID 'AC1': expected AC followed by 32 hex digits")
    }

    @Test("AccountSid: a string with the AC pattern; null or empty is absent")
    func accountSid() throws {
        #expect(try parse(#"{"Sid": "\#(Self.bu)", "Status": "draft", "AccountSid": null}"#).accountSid == nil)
        #expect(try parse(#"{"Sid": "\#(Self.bu)", "Status": "draft", "AccountSid": ""}"#).accountSid == nil)
        #expect(error(#"{"Sid": "\#(Self.bu)", "Status": "draft", "AccountSid": 1}"#) == "invalid account SID: AccountSid must be a string, not a number")
        #expect(error(#"{"Sid": "\#(Self.bu)", "Status": "draft", "AccountSid": "ACnope"}"#)
            == "invalid AccountSid 'ACnope': expected AC followed by 32 hex digits")
    }

    @Test("FailureReason: a string verbatim (escapes decoded), any other value as its JSON text")
    func failureReason() throws {
        func reason(_ json: String) throws -> String? {
            try parse(#"{"Sid": "\#(Self.bu)", "Status": "twilio-rejected", "FailureReason": \#(json)}"#).failureReason
        }
        #expect(try reason(#""Name mismatch \"A\" \u00e9 \ud83d\ude00""#) == "Name mismatch \"A\" \u{E9} \u{1F600}")
        #expect(try reason("null") == nil)
        #expect(try reason(#""""#) == nil)
        #expect(try reason("18601") == "18601")
        #expect(try reason("-1.50E+3") == "-1.50E+3")
        #expect(try reason(#" [ 18601 , { "code" : 18602, "m": "x\ny" } ] "#) == #"[18601,{"code":18602,"m":"x\ny"}]"#)
        #expect(try reason("false") == "false")
    }

    @Test("a repeated key counts once: the last, as jsonb keeps it")
    func repeatedKey() throws {
        #expect(try parse(#"{"Sid": "\#(Self.bu)", "Status": "draft", "Status": "in-review"}"#).status == "in-review")
    }

    @Test("the body must be a JSON object")
    func notObject() {
        for body in ["[]", "\"draft\"", "1", "null", "true", #"[{"Sid": "x"}]"#] {
            #expect(error(body) == "JSON body must be an object", "\(body)")
        }
    }

    @Test("invalid JSON says so, with where")
    func invalidJSON() {
        #expect(error("") == "body is not valid JSON: unexpected end of input at byte 0")
        #expect(error("{") == "body is not valid JSON: expected a string key at byte 1")
        #expect(error(#"{"a": 1,}"#) == "body is not valid JSON: expected a string key at byte 8")
        #expect(error(#"{"a": 1} x"#) == "body is not valid JSON: unexpected text after the value at byte 9")
        #expect(error("Status=draft") == "body is not valid JSON: unexpected character at byte 0")
    }

    @Test("a body that is not UTF-8 is refused before parsing")
    func notUTF8() {
        #expect(error([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) == "body is not valid UTF-8")
    }

    @Test("\\u0000 and lone surrogates are refused: PostgreSQL's jsonb cannot store them")
    func unstorable() {
        #expect(error(#"{"Sid": "\#(Self.bu)", "Status": "draft", "Note": "a\u0000b"}"#)?.hasPrefix("body is not valid JSON: \\u0000 cannot be stored") == true)
        #expect(error(#"{"Note": "\ud800"}"#)?.contains("high surrogate must be followed by a low surrogate") == true)
        #expect(error(#"{"Note": "\udc00"}"#)?.contains("low surrogate without a high surrogate") == true)
    }
}

@Suite("Callback: the strict JSON parser")
struct CallbackJSONParserTests {
    private func parse(_ text: String) -> CallbackJSON? {
        try? CallbackJSONParser.parse(Array(text.utf8))
    }

    @Test("scalars, arrays and objects in order")
    func values() {
        #expect(parse(" { \"b\" : [ true , false , null , -0.5e-3 , \"s\" ] , \"a\" : { } } ")
            == .object([.init(key: "b", value: .array([.bool(true), .bool(false), .null, .number("-0.5e-3"), .string("s")])),
                        .init(key: "a", value: .object([]))]))
        #expect(parse("[]") == .array([]))
        #expect(parse("0") == .number("0"))
    }

    @Test("every escape decodes")
    func escapes() {
        #expect(parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\uD83D\uDE00""#) == .string("\"\\/\u{08}\u{0C}\n\r\tA\u{E9}\u{1F600}"))
    }

    @Test("what RFC 8259 forbids is refused", arguments: [
        "01", "1.", ".5", "+1", "1e", "-", "0x10", "NaN", "Infinity", "tru", "nul", "'a'",
        "\"a", "\"\t\"", "\"\\x\"", "\"\\u12\"", "[1,]", "[1 2]", "{\"a\" 1}", "{a: 1}", "{\"a\":1,}",
        "\u{FEFF}{}", "[] []", "",
    ])
    func refused(text: String) {
        #expect(parse(text) == nil, "\(text)")
    }

    @Test("nesting deeper than 64 levels is refused, up to 64 is fine")
    func depth() {
        #expect(parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) != nil)
        #expect(parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)) == nil)
        #expect(parse(String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65)) == nil)
        // A hostile body of 64 KiB of '[' is refused quickly, not by a stack overflow.
        #expect(parse(String(repeating: "[", count: 65_536)) == nil)
    }

    @Test("exponents beyond ±1000 are refused: PostgreSQL's jsonb spells numbers out, or refuses them")
    func exponents() {
        for fine in ["1e1000", "1E-1000", "2.5e+0999", "-0e0001000"] {
            #expect(parse("[\(fine)]") != nil, "\(fine)")
        }
        for huge in ["1e1001", "1e-1001", "1e131071", "1e1000000", "1e00000000000000000000001001"] {
            #expect(parse("[\(huge)]") == nil, "\(huge)")
        }
        let body = Array(#"{"Sid": "\#(CallbackJSONTests.bu)", "Status": "draft", "n": 1e5000}"#.utf8)
        let error = #expect(throws: CallbackContentError.self) { try CallbackParser.parse(json: body) }
        #expect(error?.message.contains("exponent") == true, "\(String(describing: error))")
    }

    @Test("JSON text output escapes what it must")
    func text() {
        #expect(CallbackJSON.quote("a\"b\\c\n\u{01}\u{1F}é") == #""a\"b\\c\n\u0001\u001fé""#)
        #expect(CallbackJSON.object([.init(key: "k", value: .array([.number("1"), .null]))]).text == #"{"k":[1,null]}"#)
    }
}
