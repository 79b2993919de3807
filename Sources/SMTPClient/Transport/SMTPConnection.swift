import Foundation

/// One TCP connection to the server, plaintext or (after `startTLS`) TLS, with every wait
/// bounded by a deadline.
///
/// The socket is non-blocking and every wait is a `poll` on the caller's thread. Not
/// thread-safe: an `SMTPClient` uses it under its lock. Errors here name the server; the
/// client adds which command was under way.
final class SMTPConnection {
    let server: String
    private var descriptor: Int32
    private var tls: TLSSession?

    private init(descriptor: Int32, server: String) {
        self.descriptor = descriptor
        self.server = server
    }

    deinit {
        close()
    }

    /// Resolves `host` and connects to the first address that answers before the deadline.
    static func connect(host: String, port: Int, server: String, deadline: Deadline) throws(SMTPError) -> SMTPConnection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw SMTPError(.connectionFailed, transient: true,
                            message: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var failures: [String] = []
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard fd >= 0 else { failures.append(errorText()); continue }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var noDelay: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            let connection = SMTPConnection(descriptor: fd, server: server)
            do throws(SMTPError) {
                try connection.finishConnect(address.pointee.ai_addr, address.pointee.ai_addrlen, deadline: deadline)
                return connection
            } catch where error.code == .timeout {
                throw error
            } catch {
                failures.append(error.message)
            }
        }
        throw SMTPError(.connectionFailed, transient: true,
                        message: "cannot connect to \(server): \(failures.joined(separator: "; "))")
    }

    private func finishConnect(_ address: UnsafePointer<sockaddr>, _ length: socklen_t, deadline: Deadline) throws(SMTPError) {
        if Glibc.connect(descriptor, address, length) == 0 { return }
        guard errno == EINPROGRESS else { throw SMTPError(.connectionFailed, transient: true, message: Self.errorText()) }
        try wait(for: POLLOUT, deadline: deadline)
        var failure: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &size)
        if failure != 0 {
            throw SMTPError(.connectionFailed, transient: true, message: String(cString: strerror(failure)))
        }
    }

    /// Starts TLS on the open socket (at once in implicit mode, after `220` to STARTTLS).
    func startTLS(context: TLSContext, host: String, deadline: Deadline) throws(SMTPError) {
        let session = try TLSSession(context: context, descriptor: descriptor, host: host, server: server)
        tls = session
        while true {
            switch try session.handshake() {
            case .done: return
            case .wantRead: try wait(for: POLLIN, deadline: deadline)
            case .wantWrite: try wait(for: POLLOUT, deadline: deadline)
            }
        }
    }

    func write(_ bytes: [UInt8], deadline: Deadline) throws(SMTPError) {
        var offset = 0
        while offset < bytes.count {
            let progress = try bytes.withUnsafeBytes { buffer in
                Result { () throws(SMTPError) in try attemptWrite(UnsafeRawBufferPointer(rebasing: buffer[offset...])) }
            }.get()
            switch progress {
            case .done(let count): offset += count
            case .wantRead: try wait(for: POLLIN, deadline: deadline)
            case .wantWrite: try wait(for: POLLOUT, deadline: deadline)
            }
        }
    }

    /// At least one byte; the server closing the connection is an error.
    func read(deadline: Deadline) throws(SMTPError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let progress = try buffer.withUnsafeMutableBytes { buffer in
                Result { () throws(SMTPError) in try attemptRead(into: buffer) }
            }.get()
            switch progress {
            case .done(let count): return Array(buffer[..<count])
            case .wantRead: try wait(for: POLLIN, deadline: deadline)
            case .wantWrite: try wait(for: POLLOUT, deadline: deadline)
            }
        }
    }

    private func attemptWrite(_ bytes: UnsafeRawBufferPointer) throws(SMTPError) -> TLSSession.Progress {
        if let tls { return try tls.write(bytes) }
        let sent = send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        if sent >= 0 { return .done(sent) }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .wantWrite }
        throw SMTPError(.connectionClosed, transient: true, message: "the connection to \(server) broke: \(Self.errorText())")
    }

    private func attemptRead(into buffer: UnsafeMutableRawBufferPointer) throws(SMTPError) -> TLSSession.Progress {
        if let tls { return try tls.read(into: buffer) }
        let received = recv(descriptor, buffer.baseAddress, buffer.count, 0)
        if received > 0 { return .done(received) }
        if received == 0 {
            throw SMTPError(.connectionClosed, transient: true, message: "\(server) closed the connection")
        }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .wantRead }
        throw SMTPError(.connectionClosed, transient: true, message: "the connection to \(server) broke: \(Self.errorText())")
    }

    /// Ends TLS (a close_notify, not awaited) and closes the socket; safe to call twice.
    func close() {
        tls?.shutdown()
        tls = nil
        if descriptor >= 0 {
            _ = Glibc.close(descriptor)
            descriptor = -1
        }
    }

    private func wait(for events: Int32, deadline: Deadline) throws(SMTPError) {
        while true {
            let milliseconds = deadline.remainingMilliseconds
            guard milliseconds > 0 else {
                throw SMTPError(.timeout, transient: true, message: "\(server) did not answer in time")
            }
            var entry = pollfd(fd: descriptor, events: Int16(events), revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return }  // readable, writable, or an error the next call reports
            if ready < 0 && errno != EINTR {
                throw SMTPError(.connectionClosed, transient: true, message: "poll failed: \(Self.errorText())")
            }
        }
    }

    static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
