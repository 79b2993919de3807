import HTTPServer
import Logging

/// `POST {callback_path}`: checks in docs/contract.md §1's order, then hands the callback to the writer.
///
/// Path and method are the router's; this type checks size, basic auth and content type on the
/// head (so a refused request costs no body), then signature and content on the whole request.
struct CallbackEndpoint: Sendable {
    let writer: IngestWriter
    let logger: Logger

    func accept(_ head: HTTPRequestHead, policy: CallbackPolicy) -> HTTPHeadDecision {
        MeteredResponder.counted(decide(head, policy: policy), metrics: .shared)
    }

    private func decide(_ head: HTTPRequestHead, policy: CallbackPolicy) -> HTTPHeadDecision {
        guard head.method == "POST" else {
            return .respond(TwilioErrorResponse.make(405, "method \(head.method) is not allowed on the callback path; use POST",
                                                     headers: [("Allow", "POST")]))
        }
        if let length = head.headers["Content-Length"].flatMap({ Int(Self.trimmed($0)) }),
           length > policy.maxBodyBytes {
            return .respond(policy.bodyTooLarge)
        }
        guard policy.authorizes(head.headers["Authorization"]) else {
            return .respond(BasicCredentials.challenge("callback"))
        }
        guard Self.bodyKind(head.headers["Content-Type"]) != nil else {
            let given = head.headers["Content-Type"].map { "'\($0)'" } ?? "none"
            return .respond(TwilioErrorResponse.make(415, "unsupported Content-Type \(given): expected application/x-www-form-urlencoded or application/json"))
        }
        return .readBody(limit: policy.maxBodyBytes, tooLarge: policy.bodyTooLarge)
    }

    func handle(_ request: HTTPRequest, policy: CallbackPolicy, responder: HTTPResponder) {
        let responder = MeteredResponder(responder, metrics: .shared)
        let now = Timestamp.now()
        let requestID = RequestID.next()
        let head = request.head
        let log = RequestLog(base: logger, requestID: requestID)
        guard let kind = Self.bodyKind(head.headers["Content-Type"]) else {
            return responder.respond(TwilioErrorResponse.make(415, "unsupported Content-Type"))
        }

        let form = kind == .form ? FormBody.decode(request.body) : nil
        let url = policy.urlBuilder.signedURL(target: head.target, peer: head.peer, header: { head.headers[$0] })
        let accountHint = CallbackParser.accountSidHint(form: form, json: kind == .json ? request.body : nil)
        let verdict = SignatureCheck.verify(signatureHeader: head.headers["X-Twilio-Signature"], url: url, kind: kind,
                                            rawBody: request.body, form: form,
                                            tokens: policy.tokens.tokens(forAccountSid: accountHint))
        guard verdict == .valid else {
            log.notice("callback refused: bad signature", metadata: ["reason": "\(verdict)", "url": "\(SignedURLParts.redacted(url))", "peer": "\(head.peer)"])
            return responder.respond(TwilioErrorResponse.make(403, Self.explain(verdict)))
        }

        let content: CallbackContent
        do throws(CallbackContentError) {
            if let form {
                content = try CallbackParser.parse(form: form)
            } else {
                content = try CallbackParser.parse(json: request.body)
            }
        } catch {
            log.notice("callback refused: bad content", metadata: ["reason": "\(error.message)"])
            return responder.respond(TwilioErrorResponse.make(400, error.message))
        }
        guard !request.body.contains(0), !Self.containsEscapedNUL(content.paramsJSON) else {
            return responder.respond(TwilioErrorResponse.make(400, "a parameter contains a NUL character"))
        }
        if !content.isKnownStatus {
            log.warning("callback with an unexpected status", metadata: ["sid": "\(content.sid)", "status": "\(content.status)"])
        }

        let token = head.headers["I-Twilio-Idempotency-Token"]
        let record = CallbackRecord(
            idempotencyKey: IdempotencyKey.derive(headerToken: token, content: content),
            idempotencyToken: token,
            requestID: requestID,
            content: content,
            rawBody: String(decoding: request.body, as: UTF8.self),
            path: String(head.path),
            rawQuery: head.query.map(String.init) ?? "",
            contentType: head.headers["Content-Type"] ?? "",
            peer: head.peer,
            receivedAt: Timestamp.iso8601(seconds: now.seconds, microseconds: now.microseconds),
            sinks: policy.sinks(for: content.status)
        )
        writer.submit(record) { outcome in
            responder.respond(Self.response(for: outcome, content: content, log: log), outcome: outcome)
        }
    }

    private static func response(for outcome: IngestOutcome, content: CallbackContent, log: RequestLog) -> HTTPResponse {
        let result: String
        var transitionID: Int64?
        switch outcome {
        case .recorded(let id):
            result = "recorded"
            transitionID = id
        case .unchanged:
            result = "unchanged"
        case .duplicate:
            result = "duplicate"
        case .unavailable(let reason):
            log.warning("callback not recorded: database unavailable", metadata: ["sid": "\(content.sid)", "reason": "\(reason)"])
            return TwilioErrorResponse.make(503, "the database cannot commit right now; retry later",
                                            headers: [("Retry-After", "5")])
        case .failed(let reason):
            log.error("callback not recorded", metadata: ["sid": "\(content.sid)", "reason": "\(reason)"])
            return TwilioErrorResponse.make(500, "the callback could not be recorded")
        }
        log.info("callback \(result)", metadata: ["sid": "\(content.sid)", "status": "\(content.status)"])
        var members: [(String, JSONValue)] = [("result", .string(result)), ("sid", .string(content.sid)),
                                              ("status", .string(content.status))]
        if let transitionID { members.append(("transition_id", .int(transitionID))) }
        return JSONResponse.make(200, .object(members))
    }

    /// Whether JSON text holds `\u0000` (a JSON body may spell a NUL so), searched byte by byte.
    static func containsEscapedNUL(_ json: String) -> Bool {
        let needle = Array("\\u0000".utf8)
        var utf8 = json.utf8[...]
        while let backslash = utf8.firstIndex(of: UInt8(ascii: "\\")) {
            let rest = utf8[backslash...]
            if rest.starts(with: needle) { return true }
            utf8 = rest.dropFirst()
        }
        return false
    }

    /// The body kind for a Content-Type, by its media type alone (parameters such as charset ignored).
    static func bodyKind(_ contentType: String?) -> CallbackBodyKind? {
        guard let contentType else { return nil }
        let media = trimmed(contentType.utf8.prefix { $0 != UInt8(ascii: ";") })
        if asciiCaseInsensitiveEqual(media, "application/x-www-form-urlencoded") { return .form }
        if asciiCaseInsensitiveEqual(media, "application/json") { return .json }
        return nil
    }

    /// `text` without the spaces and tabs around it (header values, byte for byte).
    private static func trimmed(_ text: String) -> Substring {
        Substring(trimmed(text.utf8[...]))
    }

    private static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        var bytes = bytes
        while let first = bytes.first, blank(first) { bytes.removeFirst() }
        while let last = bytes.last, blank(last) { bytes.removeLast() }
        return bytes
    }

    /// Whether `bytes` spell `lowercase` (ASCII) in any case.
    private static func asciiCaseInsensitiveEqual(_ bytes: Substring.UTF8View, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return zip(bytes, UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount))
            .allSatisfy { byte, expected in
                let folded = (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte + 32 : byte
                return folded == expected
            }
    }

    private static func explain(_ verdict: SignatureVerdict) -> String {
        switch verdict {
        case .valid: return "valid"
        case .missing: return "X-Twilio-Signature is missing"
        case .mismatch: return "X-Twilio-Signature does not match: check public_url and the auth token"
        case .bodyHashMissing: return "a JSON callback's URL must carry bodySHA256"
        case .bodyHashMismatch: return "bodySHA256 does not match the body"
        }
    }
}

/// A request's logger with its `request_id`, built only when a message passes the level: with
/// `log_level` above info a callback logs nothing, and a metadata dictionary per request adds up.
struct RequestLog: Sendable {
    let base: Logger
    let requestID: String

    private func make() -> Logger {
        var log = base
        log[metadataKey: "request_id"] = .string(requestID)
        return log
    }

    func info(_ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata) {
        if base.logLevel <= .info { make().info(message(), metadata: metadata()) }
    }

    func notice(_ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata) {
        if base.logLevel <= .notice { make().notice(message(), metadata: metadata()) }
    }

    func warning(_ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata) {
        if base.logLevel <= .warning { make().warning(message(), metadata: metadata()) }
    }

    func error(_ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata) {
        if base.logLevel <= .error { make().error(message(), metadata: metadata()) }
    }
}
