import CMicroHTTPD
import CMicroHTTPDShim
import Locking

/// One request's progress through libmicrohttpd's repeated calls of the access handler.
///
/// Everything but `handoff` is touched only by the MHD thread that serves the connection (MHD
/// calls one connection's handlers on one thread, one at a time); `handoff` is the one place
/// where another thread (the one that prepared the answer) meets it.
final class RequestContext: @unchecked Sendable {
    private enum Phase {
        case head
        case body(limit: Int, tooLarge: HTTPResponse)
        case waiting
    }

    private struct Handoff {
        var response: HTTPResponse?
        var suspended = false
    }

    private let target: String
    private var phase = Phase.head
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var exceeded = false
    /// Bytes of an over-limit body read and thrown away so far, in the hope of its end (then 413).
    private var discarded = 0
    private let handoff = Locked(Handoff())
    /// Set once the application has the request: the server counts it until it completes.
    private(set) var countsInFlight = false

    init(target: String) {
        self.target = target
    }

    func advance(shared: ServerShared, connection: ConnectionHandle, method: String,
                 upload: UnsafeRawBufferPointer?, consumed: () -> Void) -> MHD_Result {
        switch phase {
        case .head:
            if shk_mhd_request_header_size(connection.pointer) > shared.maxHeaderBytes {
                guard shared.deadlines.requestReceived(connection.key) else { return .NO }
                shared.onLimitBreach(HTTPLimitBreach(reason: .headersTooLarge, peer: connection.peer))
                return Self.queue(shared.headersTooLarge, on: connection)
            }
            let head = HTTPRequestHead(method: method, target: target,
                                       headers: Self.headers(of: connection), peer: connection.peer)
            switch shared.handler.accept(head) {
            case .respond(let response):
                guard shared.deadlines.requestReceived(connection.key) else { return .NO }
                return Self.queue(response, on: connection)
            case .readBody(let limit, let tooLarge):
                self.head = head
                phase = .body(limit: limit, tooLarge: tooLarge)
                return .YES
            }

        case .body(let limit, let tooLarge):
            if let upload, upload.count > 0 {
                if !exceeded && body.count + upload.count <= limit {
                    body.append(contentsOf: upload)
                } else {
                    if !exceeded { discarded = body.count }
                    exceeded = true
                    body = []
                    discarded += upload.count
                    // libmicrohttpd answers only once the body ended. A body a little over the limit
                    // still gets its 413; one that goes on is not read to its end: the connection is cut.
                    if discarded > limit + Self.discardAllowance(limit) {
                        shared.onLimitBreach(HTTPLimitBreach(reason: .bodyTooLarge, peer: connection.peer))
                        return .NO
                    }
                }
                consumed()
                return .YES
            }
            guard shared.deadlines.requestReceived(connection.key) else { return .NO }
            if exceeded { return Self.queue(tooLarge, on: connection) }
            return dispatch(shared: shared, connection: connection)

        case .waiting:
            guard let response = handoff.withLock({ $0.response }) else { return .YES }
            return Self.queue(response, on: connection)
        }
    }

    /// Hands the whole request to the application; answers now if it answered at once, else suspends.
    private func dispatch(shared: ServerShared, connection: ConnectionHandle) -> MHD_Result {
        guard let head else { return .NO }
        phase = .waiting
        guard shared.inFlight.enter() else {
            // A stop has closed the door: answered now, never suspended.
            handoff.withLock { $0.response = shared.shuttingDown }
            return Self.queue(shared.shuttingDown, on: connection)
        }
        countsInFlight = true
        let request = HTTPRequest(head: head, body: body)
        body = []
        let responder = HTTPResponder { [self] response in
            let resume = handoff.withLock { state -> Bool in
                guard state.response == nil else { return false }
                state.response = response
                defer { state.suspended = false }
                return state.suspended
            }
            if resume { MHD_resume_connection(connection.pointer) }
        }
        shared.handler.handle(request, responder: responder)
        // Suspending under the lock means a responder on another thread resumes only after it.
        let ready = handoff.withLock { state -> HTTPResponse? in
            if let response = state.response { return response }
            state.suspended = true
            MHD_suspend_connection(connection.pointer)
            return nil
        }
        if let ready { return Self.queue(ready, on: connection) }
        return .YES
    }

    private static func queue(_ response: HTTPResponse, on connection: ConnectionHandle) -> MHD_Result {
        let created: OpaquePointer? = response.body.withUnsafeBytes { bytes in
            var empty: UInt8 = 0
            let base = bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) }
            return withUnsafeMutablePointer(to: &empty) { placeholder in
                MHD_create_response_from_buffer(bytes.count, base ?? UnsafeMutableRawPointer(placeholder),
                                                .RESPMEM_MUST_COPY)
            }
        }
        guard let created else { return .NO }
        for header in response.headers {
            _ = MHD_add_response_header(created, header.name, header.value)
        }
        let result = MHD_queue_response(connection.pointer, UInt32(response.status), created)
        MHD_destroy_response(created)
        return result
    }

    private static func headers(of connection: ConnectionHandle) -> HTTPHeaders {
        var headers = HTTPHeaders()
        _ = withUnsafeMutablePointer(to: &headers) { pointer in
            MHD_get_connection_values(connection.pointer, .HEADER_KIND, { context, _, key, value in
                guard let context, let key else { return .YES }
                let headers = context.assumingMemoryBound(to: HTTPHeaders.self)
                headers.pointee.add(String(cString: key), value.map { String(cString: $0) } ?? "")
                return .YES
            }, pointer)
        }
        return headers
    }

    /// How much of a body past its limit is read (and thrown away) in the hope of its end: as
    /// much again as the limit, at least 64 KiB.
    static func discardAllowance(_ limit: Int) -> Int {
        max(limit, 64 * 1024)
    }
}
