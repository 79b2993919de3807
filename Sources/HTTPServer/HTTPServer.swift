import CMicroHTTPD
import CMicroHTTPDShim
import Synchronization
import DurationUnits

public struct HTTPServerConfiguration: Sendable {
    /// A numeric IPv4 or IPv6 address.
    public var host: String
    /// 0 asks the system for a free port; `HTTPServer.port` tells which.
    public var port: UInt16
    public var threads: Int
    public var maxConnections: Int
    /// How long a client has to send a whole request (head and body), from the moment the
    /// connection may send one; past it the connection is cut. Also libmicrohttpd's idle timeout
    /// (rounded up to whole seconds), which bounds a client that does not read its answer.
    public var requestTimeout: Duration
    /// Bytes of the request line and headers; larger heads get `headersTooLarge`.
    public var maxHeaderBytes: Int
    public var headersTooLarge: HTTPResponse
    /// The answer to a request that comes on an open connection after a stop stopped handing
    /// requests to the application (it closes the connection).
    public var shuttingDown: HTTPResponse
    /// Told of every client cut off or refused by a limit; called on server threads, so quick.
    public var onLimitBreach: @Sendable (HTTPLimitBreach) -> Void

    public init(host: String, port: UInt16, threads: Int = 2, maxConnections: Int = 1024,
                requestTimeout: Duration = .seconds(10), maxHeaderBytes: Int = 16 * 1024,
                headersTooLarge: HTTPResponse = HTTPResponse(status: 431),
                shuttingDown: HTTPResponse = HTTPResponse(status: 503),
                onLimitBreach: @escaping @Sendable (HTTPLimitBreach) -> Void = { _ in }) {
        self.host = host
        self.port = port
        self.threads = threads
        self.maxConnections = maxConnections
        self.requestTimeout = requestTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.headersTooLarge = headersTooLarge
        var shuttingDown = shuttingDown
        shuttingDown.headers.append(("Connection", "close"))
        self.shuttingDown = shuttingDown
        self.onLimitBreach = onLimitBreach
    }

    /// libmicrohttpd's pool per connection holds the head, its parsed headers and the read
    /// buffer: room for twice the head limit, so that a head just over it still gets our 431
    /// rather than libmicrohttpd's own (whose body is HTML).
    var connectionMemoryLimit: Int {
        max(32 * 1024, 2 * maxHeaderBytes + 16 * 1024)
    }

    var idleTimeoutSeconds: UInt32 {
        UInt32(clamping: max(1, requestTimeout.seconds(rounded: .up)))
    }
}

public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// An HTTP/1.1 server on libmicrohttpd: an epoll thread pool, bodies buffered up to a limit,
/// and requests suspended while the application prepares their answer.
public final class HTTPServer: Sendable {
    public let port: UInt16
    private let daemon: DaemonHandle
    private let shared: ServerShared

    public init(configuration: HTTPServerConfiguration, handler: any HTTPHandler) throws(HTTPServerError) {
        let shared = ServerShared(handler: handler, configuration: configuration)
        let context = Unmanaged.passRetained(shared).toOpaque()
        var errorMessage: UnsafePointer<CChar>?
        let started = configuration.host.withCString { host -> OpaquePointer? in
            var config = shk_mhd_config()
            config.bind_address = host
            config.port = configuration.port
            config.thread_pool_size = UInt32(configuration.threads)
            config.connection_limit = UInt32(configuration.maxConnections)
            config.per_ip_connection_limit = 0
            config.connection_timeout = configuration.idleTimeoutSeconds
            config.connection_memory_limit = configuration.connectionMemoryLimit
            config.handler = accessHandler
            config.handler_context = context
            config.completed = requestCompleted
            config.completed_context = context
            config.uri_log = requestStarted
            config.uri_log_context = context
            config.notify_connection = connectionNotified
            config.notify_connection_context = context
            return shk_mhd_start(&config, &errorMessage)
        }
        guard let started else {
            Unmanaged<ServerShared>.fromOpaque(context).release()
            let reason = errorMessage.map { String(cString: $0) } ?? "unknown error"
            throw HTTPServerError(description: "cannot listen on \(configuration.host):\(configuration.port): \(reason)")
        }
        self.daemon = DaemonHandle(pointer: started, context: context)
        self.shared = shared
        self.port = shk_mhd_bound_port(started)
        shared.deadlines.start()
    }

    /// Stops accepting, waits up to `drainTimeout` for requests in flight, then stops.
    ///
    /// Requests that come meanwhile on connections already open are served until none is in
    /// flight; then no more are handed to the application (they get `shuttingDown`), and those
    /// let in just before that are waited for too: libmicrohttpd must not be stopped with a
    /// connection suspended.
    public func stop(drainTimeout: Duration) {
        guard daemon.markStopped() else { return }
        let listener = MHD_quiesce_daemon(daemon.pointer)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: drainTimeout)
        while shared.inFlight.count > 0 && clock.now < deadline {
            usleep(5_000)
        }
        shared.inFlight.close()
        while shared.inFlight.count > 0 && clock.now < deadline {
            usleep(5_000)
        }
        MHD_stop_daemon(daemon.pointer)
        shared.deadlines.stop()
        if listener >= 0 { close(listener) }
        Unmanaged<ServerShared>.fromOpaque(daemon.context).release()
    }
}

/// The MHD daemon pointer; MHD's functions used on it are thread-safe.
private final class DaemonHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let context: UnsafeMutableRawPointer
    private let stopped = Atomic<Bool>(false)

    init(pointer: OpaquePointer, context: UnsafeMutableRawPointer) {
        self.pointer = pointer
        self.context = context
    }

    /// True for the first caller only.
    func markStopped() -> Bool {
        !stopped.exchange(true, ordering: .acquiringAndReleasing)
    }
}

/// What every callback of one daemon shares.
final class ServerShared: Sendable {
    let handler: any HTTPHandler
    let inFlight = InFlightRequests()
    let deadlines: ConnectionDeadlineWatch
    let maxHeaderBytes: Int
    let headersTooLarge: HTTPResponse
    let shuttingDown: HTTPResponse
    let onLimitBreach: @Sendable (HTTPLimitBreach) -> Void

    init(handler: any HTTPHandler, configuration: HTTPServerConfiguration) {
        self.handler = handler
        deadlines = ConnectionDeadlineWatch(budget: configuration.requestTimeout, onBreach: configuration.onLimitBreach)
        maxHeaderBytes = configuration.maxHeaderBytes
        headersTooLarge = configuration.headersTooLarge
        shuttingDown = configuration.shuttingDown
        onLimitBreach = configuration.onLimitBreach
    }
}

/// An MHD connection pointer. `MHD_resume_connection` may be called from any thread; nothing
/// else is done with it off the connection's own MHD thread.
struct ConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Names the connection in ``RequestDeadlines`` while it is open.
    var key: Int { Int(bitPattern: pointer) }

    /// The numeric address of the peer, or "" when unknown.
    var peer: String {
        var buffer = [CChar](repeating: 0, count: 64)
        guard shk_mhd_peer_address(pointer, &buffer, buffer.count) == 0 else { return "" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

// MARK: - Callbacks from libmicrohttpd

private let requestStarted: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, OpaquePointer?) -> UnsafeMutableRawPointer? = { _, uri, _ in
    let target = uri.map { String(cString: $0) } ?? ""
    return Unmanaged.passRetained(RequestContext(target: target)).toOpaque()
}

private let connectionNotified: MHD_NotifyConnectionCallback = { serverContext, connection, _, code in
    guard let serverContext, let connection else { return }
    let shared = Unmanaged<ServerShared>.fromOpaque(serverContext).takeUnretainedValue()
    let handle = ConnectionHandle(pointer: connection)
    switch code {
    case .CONNECTION_NOTIFY_STARTED:
        shared.deadlines.opened(handle.key, socket: shk_mhd_connection_fd(connection), peer: handle.peer)
    default:
        shared.deadlines.closed(handle.key)
    }
}

private let requestCompleted: MHD_RequestCompletedCallback = { serverContext, connection, requestContext, _ in
    if let serverContext, let connection {
        // Answered (or abandoned): on a kept-alive connection the next request's clock starts now.
        Unmanaged<ServerShared>.fromOpaque(serverContext).takeUnretainedValue()
            .deadlines.awaitingRequest(ConnectionHandle(pointer: connection).key)
    }
    guard let requestContext, let raw = requestContext.pointee else { return }
    let context = Unmanaged<RequestContext>.fromOpaque(raw).takeRetainedValue()
    requestContext.pointee = nil
    if context.countsInFlight, let serverContext {
        Unmanaged<ServerShared>.fromOpaque(serverContext).takeUnretainedValue().inFlight.leave()
    }
}

private let accessHandler: MHD_AccessHandlerCallback = { serverContext, connection, _, method, _, uploadData, uploadDataSize, requestContext in
    guard let serverContext, let connection, let requestContext, let raw = requestContext.pointee,
          let uploadDataSize else { return .NO }
    let shared = Unmanaged<ServerShared>.fromOpaque(serverContext).takeUnretainedValue()
    let context = Unmanaged<RequestContext>.fromOpaque(raw).takeUnretainedValue()
    return context.advance(
        shared: shared,
        connection: ConnectionHandle(pointer: connection),
        method: method.map { String(cString: $0) } ?? "",
        upload: uploadData.map { UnsafeRawBufferPointer(start: $0, count: uploadDataSize.pointee) },
        consumed: { uploadDataSize.pointee = 0 }
    )
}
