import CMicroHTTPD
import CMicroHTTPDShim
import Synchronization

public struct HTTPServerConfiguration: Sendable {
    /// A numeric IPv4 or IPv6 address.
    public var host: String
    /// 0 asks the system for a free port; `HTTPServer.port` tells which.
    public var port: UInt16
    public var threads: Int
    public var maxConnections: Int
    /// Seconds a connection may stay idle (bounds slow clients).
    public var connectionTimeoutSeconds: Int
    /// Bytes of buffer per connection; bounds the size of the request line and headers.
    public var connectionMemoryLimit: Int

    public init(host: String, port: UInt16, threads: Int = 2, maxConnections: Int = 1024,
                connectionTimeoutSeconds: Int = 10, connectionMemoryLimit: Int = 32 * 1024) {
        self.host = host
        self.port = port
        self.threads = threads
        self.maxConnections = maxConnections
        self.connectionTimeoutSeconds = connectionTimeoutSeconds
        self.connectionMemoryLimit = connectionMemoryLimit
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
        let shared = ServerShared(handler: handler)
        let context = Unmanaged.passRetained(shared).toOpaque()
        var errorMessage: UnsafePointer<CChar>?
        let started = configuration.host.withCString { host -> OpaquePointer? in
            var config = shk_mhd_config()
            config.bind_address = host
            config.port = configuration.port
            config.thread_pool_size = UInt32(configuration.threads)
            config.connection_limit = UInt32(configuration.maxConnections)
            config.per_ip_connection_limit = 0
            config.connection_timeout = UInt32(configuration.connectionTimeoutSeconds)
            config.connection_memory_limit = configuration.connectionMemoryLimit
            config.handler = accessHandler
            config.handler_context = context
            config.completed = requestCompleted
            config.completed_context = context
            config.uri_log = requestStarted
            config.uri_log_context = context
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
    }

    /// Stops accepting, waits up to `drainTimeout` for requests in flight, then stops.
    public func stop(drainTimeout: Duration) {
        guard daemon.markStopped() else { return }
        let listener = MHD_quiesce_daemon(daemon.pointer)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: drainTimeout)
        while shared.inFlight.load(ordering: .acquiring) > 0 && clock.now < deadline {
            usleep(5_000)
        }
        MHD_stop_daemon(daemon.pointer)
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
    let inFlight = Atomic<Int>(0)

    init(handler: any HTTPHandler) {
        self.handler = handler
    }
}

/// An MHD connection pointer. `MHD_resume_connection` may be called from any thread; nothing
/// else is done with it off the connection's own MHD thread.
struct ConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

// MARK: - Callbacks from libmicrohttpd

private let requestStarted: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, OpaquePointer?) -> UnsafeMutableRawPointer? = { _, uri, _ in
    let target = uri.map { String(cString: $0) } ?? ""
    return Unmanaged.passRetained(RequestContext(target: target)).toOpaque()
}

private let requestCompleted: MHD_RequestCompletedCallback = { serverContext, _, requestContext, _ in
    guard let requestContext, let raw = requestContext.pointee else { return }
    let context = Unmanaged<RequestContext>.fromOpaque(raw).takeRetainedValue()
    requestContext.pointee = nil
    if context.countsInFlight, let serverContext {
        Unmanaged<ServerShared>.fromOpaque(serverContext).takeUnretainedValue()
            .inFlight.subtract(1, ordering: .releasing)
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
