import Testing
@testable import StatushookCore

@Suite("Callback: reading a form body")
struct CallbackParserFormTests {
    static let bu = "BU" + String(repeating: "a", count: 32)
    static let bu2 = "BU" + String(repeating: "B", count: 32)
    static let ac = "AC" + String(repeating: "0", count: 32)

    private func parse(_ body: String) throws(CallbackContentError) -> CallbackContent {
        try CallbackParser.parse(form: FormBody.decode(Array(body.utf8)))
    }

    private func error(_ body: String) -> String? {
        do {
            _ = try parse(body)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("the callback exactly as Twilio documents it: AccountSID, BundleSID, Status, FailureReason")
    func documented() throws {
        let content = try parse("AccountSID=\(Self.ac)&BundleSID=\(Self.bu)&Status=twilio-rejected&FailureReason=Business+name+mismatch")
        #expect(content.sid == Self.bu)
        #expect(content.kind == nil)
        #expect(content.status == "twilio-rejected")
        #expect(content.accountSid == Self.ac)
        #expect(content.failureReason == "Business name mismatch")
    }

    @Test("CustomerProfileSid and TrustProductSid (either spelling) tell the kind; the other names do not")
    func kindFromName() throws {
        for (key, kind) in [("CustomerProfileSid", ResourceKind.customerProfile), ("CustomerProfileSID", .customerProfile),
                            ("TrustProductSid", .trustProduct), ("TrustProductSID", .trustProduct)] {
            #expect(try parse("\(key)=\(Self.bu)&Status=draft").kind == kind, "\(key)")
        }
        for key in ["BundleSID", "BundleSid", "ResourceSid", "ResourceSID", "Sid", "SID"] {
            #expect(try parse("\(key)=\(Self.bu)&Status=draft").kind == nil, "\(key)")
        }
    }

    @Test("the account from AccountSID, else AccountSid; an empty one counts as absent; a bad one is named by its key")
    func accountSpellings() throws {
        #expect(try parse("BundleSID=\(Self.bu)&Status=draft&AccountSid=\(Self.ac)").accountSid == Self.ac)
        let other = "AC" + String(repeating: "1", count: 32)
        #expect(try parse("BundleSID=\(Self.bu)&Status=draft&AccountSid=\(other)&AccountSID=\(Self.ac)").accountSid == Self.ac)
        #expect(try parse("BundleSID=\(Self.bu)&Status=draft&AccountSID=&AccountSid=\(other)").accountSid == other)
        #expect(error("BundleSID=\(Self.bu)&Status=draft&AccountSID=AC12")
            == "invalid AccountSID 'AC12': expected AC followed by 32 hex digits")
        #expect(error("BundleSID=\(Self.bu)&Status=draft&AccountSid=nope")
            == "invalid AccountSid 'nope': expected AC followed by 32 hex digits")
    }

    @Test("a typical TrustHub callback")
    func typical() throws {
        let content = try parse("AccountSid=\(Self.ac)&BundleSid=\(Self.bu)&Status=twilio-rejected&FailureReason=Business+name+mismatch+(18601)")
        #expect(content.sid == Self.bu)
        #expect(content.status == "twilio-rejected")
        #expect(content.accountSid == Self.ac)
        #expect(content.failureReason == "Business name mismatch (18601)")
        #expect(content.isKnownStatus)
    }

    @Test("the SID comes from the first present of CustomerProfileSid, TrustProductSid, BundleSID, BundleSid, ResourceSid, Sid (…SID each)")
    func sidPrecedence() throws {
        let keys = CallbackParser.sidKeys
        #expect(keys == ["CustomerProfileSid", "CustomerProfileSID", "TrustProductSid", "TrustProductSID",
                         "BundleSID", "BundleSid", "ResourceSid", "ResourceSID", "Sid", "SID"])
        for (index, key) in keys.enumerated() {
            // This key holds the SID we expect; every later key holds another SID.
            var body = "Status=draft&\(key)=\(Self.bu)"
            for later in keys[(index + 1)...] { body += "&\(later)=\(Self.bu2)" }
            #expect(try parse(body).sid == Self.bu, "\(key)")
            // Body order does not matter, only key precedence.
            var reversed = "Status=draft"
            for later in keys[(index + 1)...].reversed() { reversed += "&\(later)=\(Self.bu2)" }
            reversed += "&\(key)=\(Self.bu)"
            #expect(try parse(reversed).sid == Self.bu, "\(key), reversed")
        }
    }

    @Test("an empty SID value counts as absent: the next key is tried")
    func emptySIDSkipped() throws {
        #expect(try parse("CustomerProfileSid=&BundleSid=\(Self.bu)&Status=draft").sid == Self.bu)
    }

    @Test("an invalid SID in a higher key is an error, not skipped")
    func invalidHigherSID() {
        #expect(error("CustomerProfileSid=nope&BundleSid=\(Self.bu)&Status=draft")
            == "invalid SID 'nope' in CustomerProfileSid: expected BU followed by 32 hex digits")
    }

    @Test("no SID key at all")
    func missingSID() {
        #expect(error("Status=draft&AccountSid=\(Self.ac)")
            == "missing resource SID: expected one of CustomerProfileSid, CustomerProfileSID, TrustProductSid, TrustProductSID, "
            + "BundleSID, BundleSid, ResourceSid, ResourceSID, Sid, SID")
        #expect(error("Status=draft&BundleSid=")
            == "missing resource SID: expected one of CustomerProfileSid, CustomerProfileSID, TrustProductSid, TrustProductSID, "
            + "BundleSID, BundleSid, ResourceSid, ResourceSID, Sid, SID")
        #expect(error("bundlesid=\(Self.bu)&Status=draft")
            == "missing resource SID: expected one of CustomerProfileSid, CustomerProfileSID, TrustProductSid, TrustProductSID, "
            + "BundleSID, BundleSid, ResourceSid, ResourceSID, Sid, SID")
    }

    @Test("the SID pattern: BU + 32 hex digits of either case, nothing else", arguments: [
        ("BU" + String(repeating: "a", count: 32), true),
        ("BU" + String(repeating: "F", count: 32), true),
        ("BU0123456789abcdefABCDEF0123456789", true),
        ("BU" + String(repeating: "a", count: 31), false),
        ("BU" + String(repeating: "a", count: 33), false),
        ("bu" + String(repeating: "a", count: 32), false),
        ("AC" + String(repeating: "a", count: 32), false),
        ("BU" + String(repeating: "g", count: 32), false),
        (" BU" + String(repeating: "a", count: 32), false),
        ("BU" + String(repeating: "\u{FF41}", count: 32), false),
    ])
    func sidPattern(sid: String, valid: Bool) {
        let body = "BundleSid=\(SignCommandOutput.percentEncoded(sid))&Status=draft"
        #expect((error(body) == nil) == valid, "\(sid)")
    }

    @Test("an invalid SID's message quotes it, shortened and with control characters escaped")
    func sidMessage() {
        #expect(error("BundleSid=XX&Status=draft") == "invalid SID 'XX' in BundleSid: expected BU followed by 32 hex digits")
        let long = String(repeating: "x", count: 100)
        #expect(error("Sid=\(long)&Status=draft")
            == "invalid SID '\(String(repeating: "x", count: 40))…' in Sid: expected BU followed by 32 hex digits")
        #expect(error("Sid=a%0Ab&Status=draft") == "invalid SID 'a\\u{a}b' in Sid: expected BU followed by 32 hex digits")
    }

    @Test("Status is required")
    func missingStatus() {
        #expect(error("BundleSid=\(Self.bu)") == "missing Status")
        #expect(error("BundleSid=\(Self.bu)&status=draft") == "missing Status")
    }

    @Test("the status pattern: 1-64 of a-z, 0-9, '-'", arguments: [
        ("draft", true), ("in-review", true), ("twilio-approved", true), ("x", true), ("a1-b2", true),
        (String(repeating: "a", count: 64), true),
        (String(repeating: "a", count: 65), false),
        ("", false), ("Foo Bar", false), ("Draft", false), ("in_review", false), ("in-review ", false),
        ("caf\u{E9}", false), ("a/b", false),
    ])
    func statusPattern(status: String, valid: Bool) {
        let body = "BundleSid=\(Self.bu)&Status=\(SignCommandOutput.percentEncoded(status))"
        #expect((error(body) == nil) == valid, "\(status)")
    }

    @Test("an invalid status is named in the message")
    func statusMessage() {
        #expect(error("BundleSid=\(Self.bu)&Status=Foo+Bar") == "invalid Status 'Foo Bar': expected 1-64 of a-z, 0-9, '-'")
        #expect(error("BundleSid=\(Self.bu)&Status=") == "invalid Status '': expected 1-64 of a-z, 0-9, '-'")
    }

    @Test("a status Twilio does not document is kept, flagged unknown")
    func unknownStatus() throws {
        let content = try parse("BundleSid=\(Self.bu)&Status=twilio-suspended")
        #expect(content.status == "twilio-suspended")
        #expect(!content.isKnownStatus)
    }

    @Test("every known status is known")
    func knownStatuses() throws {
        for status in ["draft", "pending-review", "in-review", "twilio-rejected", "twilio-approved"] {
            #expect(try parse("BundleSid=\(Self.bu)&Status=\(status)").isKnownStatus, "\(status)")
        }
    }

    @Test("AccountSid: optional, AC + 32 hex digits when present, empty counts as absent")
    func accountSid() throws {
        #expect(try parse("BundleSid=\(Self.bu)&Status=draft").accountSid == nil)
        #expect(try parse("BundleSid=\(Self.bu)&Status=draft&AccountSid=").accountSid == nil)
        #expect(try parse("BundleSid=\(Self.bu)&Status=draft&AccountSid=ACabcdefABCDEF0123456789abcdef0123").accountSid
            == "ACabcdefABCDEF0123456789abcdef0123")
        #expect(error("BundleSid=\(Self.bu)&Status=draft&AccountSid=AC123")
            == "invalid AccountSid 'AC123': expected AC followed by 32 hex digits")
        #expect(error("BundleSid=\(Self.bu)&Status=draft&AccountSid=\(Self.bu)")
            == "invalid AccountSid '\(Self.bu)': expected AC followed by 32 hex digits")
    }

    @Test("FailureReason: verbatim, nil when absent or empty")
    func failureReason() throws {
        #expect(try parse("BundleSid=\(Self.bu)&Status=draft").failureReason == nil)
        #expect(try parse("BundleSid=\(Self.bu)&Status=draft&FailureReason=").failureReason == nil)
        #expect(try parse("BundleSid=\(Self.bu)&Status=draft&FailureReason=+18601:+%22Name%22+\u{E9}+").failureReason
            == " 18601: \"Name\" \u{E9} ")
    }

    @Test("a repeated name: the first value counts")
    func repeatedFirst() throws {
        let content = try parse("BundleSid=\(Self.bu)&Status=draft&Status=in-review")
        #expect(content.status == "draft")
    }

    @Test("params JSON: every parameter, body order, a repeated name as an array")
    func paramsJSON() throws {
        let content = try parse("BundleSid=\(Self.bu)&Status=draft&Tag=b&Extra=1&Tag=a&Tag=b")
        #expect(content.paramsJSON == #"{"BundleSid": "\#(Self.bu)", "Status": "draft", "Tag": ["b", "a", "b"], "Extra": "1"}"#)
    }

    @Test("params JSON: a body of many parameters groups a repeated name the same way")
    func paramsJSONMany() throws {
        // Past 32 pairs the grouping goes through a dictionary instead of a scan.
        let extras = (1...40).map { "P\($0)=\($0)" }
        let content = try parse((["BundleSid=\(Self.bu)", "Tag=b", "Status=draft"] + extras + ["Tag=a", "P7=seven"]).joined(separator: "&"))
        let members = [#""BundleSid": "\#(Self.bu)""#, #""Tag": ["b", "a"]"#, #""Status": "draft""#]
            + (1...40).map { $0 == 7 ? #""P7": ["7", "seven"]"# : #""P\#($0)": "\#($0)""# }
        #expect(content.paramsJSON == "{" + members.joined(separator: ", ") + "}")
    }

    @Test("params JSON: non-ASCII kept as UTF-8, quotes, backslashes and control characters escaped")
    func paramsJSONEscaping() throws {
        let content = try parse("BundleSid=\(Self.bu)&Status=draft&Name=Zo%C3%AB+%22Q%22+%5C+%0A%09%01+%F0%9F%98%80&%C3%A9=1")
        #expect(content.paramsJSON
            == #"{"BundleSid": "\#(Self.bu)", "Status": "draft", "Name": "Zoë \"Q\" \\ \n\t\u0001 😀", "é": "1"}"#)
    }

    @Test("canonical params: sorted like the signature, distinct, length-prefixed")
    func canonicalParams() throws {
        let content = try parse("Status=draft&BundleSid=\(Self.bu)&Status=draft")
        let expected = CallbackParser.lengthPrefixed(Array("BundleSid".utf8)) + CallbackParser.lengthPrefixed(Array(Self.bu.utf8))
            + CallbackParser.lengthPrefixed(Array("Status".utf8)) + CallbackParser.lengthPrefixed(Array("draft".utf8))
        #expect(content.canonicalParams == expected)
        #expect(CallbackParser.lengthPrefixed([1, 2]) == [0, 0, 0, 2, 1, 2])
    }

    @Test("canonical params do not collide when bytes move between name and value")
    func canonicalNoCollision() {
        let a = CallbackParser.canonicalParams([FormPair("ab", "c")])
        let b = CallbackParser.canonicalParams([FormPair("a", "bc")])
        #expect(a != b)
        #expect(TwilioSignature.canonicalBytes(url: "", pairs: [FormPair("ab", "c")])
            == TwilioSignature.canonicalBytes(url: "", pairs: [FormPair("a", "bc")]))
    }

    @Test("a malformed escape is 'malformed form body'")
    func malformed() {
        #expect(error("BundleSid=\(Self.bu)&Status=draft&Note=100%") == "malformed form body: a '%' not followed by two hex digits")
    }

    @Test("a value that is not UTF-8 is refused, naming its parameter")
    func notUTF8() {
        #expect(error("BundleSid=\(Self.bu)&Status=draft&Note=%FF") == "body is not valid UTF-8 (in parameter 'Note')")
        #expect(throws: CallbackContentError("body is not valid UTF-8 (in parameter 'N')")) {
            try CallbackParser.parse(form: FormBody.decode([0x4E, 0x3D, 0xC3]))
        }
    }

    @Test("a NUL character is refused: PostgreSQL cannot store it")
    func nul() {
        #expect(error("BundleSid=\(Self.bu)&Status=draft&Note=a%00b") == "parameter 'Note' contains U+0000, which cannot be stored")
    }

    @Test("an empty body is missing its SID")
    func emptyBody() {
        #expect(error("")?.hasPrefix("missing resource SID") == true)
    }
}

@Suite("Callback: the AccountSid hint before the signature check")
struct CallbackAccountHintTests {
    static let ac = "AC" + String(repeating: "0", count: 32)

    @Test("from a form: the first non-empty of AccountSID and AccountSid, as the parser takes it")
    func spellings() {
        let other = "AC" + String(repeating: "1", count: 32)
        #expect(CallbackParser.accountSidHint(form: FormBody.decode(Array("AccountSID=\(Self.ac)".utf8)), json: nil) == Self.ac)
        #expect(CallbackParser.accountSidHint(form: FormBody.decode(Array("AccountSid=\(other)&AccountSID=\(Self.ac)".utf8)), json: nil) == Self.ac)
        #expect(CallbackParser.accountSidHint(form: FormBody.decode(Array("AccountSID=&AccountSid=\(other)".utf8)), json: nil) == other)
        #expect(CallbackParser.accountSidHint(form: nil, json: Array(#"{"AccountSID":"\#(Self.ac)","AccountSid":"\#(other)"}"#.utf8)) == Self.ac)
        #expect(CallbackParser.accountSidHint(form: nil, json: Array(#"{"AccountSID":null,"AccountSid":"\#(other)"}"#.utf8)) == other)
    }

    @Test("from a form: AccountSid when it has the AC pattern, else nil")
    func form() {
        #expect(CallbackParser.accountSidHint(form: FormBody.decode(Array("AccountSid=\(Self.ac)".utf8)), json: nil) == Self.ac)
        #expect(CallbackParser.accountSidHint(form: FormBody.decode(Array("AccountSid=AC1".utf8)), json: nil) == nil)
        #expect(CallbackParser.accountSidHint(form: FormBody.decode(Array("Status=draft".utf8)), json: nil) == nil)
        #expect(CallbackParser.accountSidHint(form: FormBody.decode(Array("AccountSid=%FF".utf8)), json: nil) == nil)
    }

    @Test("from JSON: a string AccountSid with the AC pattern, else nil")
    func json() {
        #expect(CallbackParser.accountSidHint(form: nil, json: Array(#"{"AccountSid":"\#(Self.ac)"}"#.utf8)) == Self.ac)
        #expect(CallbackParser.accountSidHint(form: nil, json: Array(#"{"AccountSid":5}"#.utf8)) == nil)
        #expect(CallbackParser.accountSidHint(form: nil, json: Array(#"["AccountSid"]"#.utf8)) == nil)
        #expect(CallbackParser.accountSidHint(form: nil, json: Array("not json".utf8)) == nil)
        #expect(CallbackParser.accountSidHint(form: nil, json: [0xFF]) == nil)
        #expect(CallbackParser.accountSidHint(form: nil, json: nil) == nil)
    }
}
