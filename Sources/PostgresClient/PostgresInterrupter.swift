import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops a statement that another thread is blocked in, from a thread that does not own the
/// connection (libpq documents `PQcancel` as safe for that; the `PGcancel` is this object's own).
///
/// The owner makes it with ``PostgresConnection/makeInterrupter()`` and must keep the
/// connection open while another thread may use it: ``breakConnection()`` acts on the
/// connection's socket, which a closed connection's number could be reused for.
public final class PostgresInterrupter: @unchecked Sendable {
    /// Written once, read by `PQcancel`, freed in deinit.
    private let cancelHandle: OpaquePointer
    private let socket: Int32

    init(cancel: OpaquePointer, socket: Int32) {
        cancelHandle = cancel
        self.socket = socket
    }

    deinit {
        PQfreeCancel(cancelHandle)
    }

    /// Asks the server to cancel what the connection runs now; nil when the request was sent
    /// (the statement then fails with 57014, or a COMMIT waiting for a synchronous standby returns
    /// with a WARNING), else why it could not be.
    public func cancel() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        if PQcancel(cancelHandle, &buffer, Int32(buffer.count)) == 1 { return nil }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        let reason = oneLine(String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        return reason.isEmpty ? "the cancel request failed" : reason
    }

    /// Shuts the socket down so that the owner's blocked read ends at once with a lost
    /// connection: for a server that does not answer at all, not even a cancel.
    public func breakConnection() {
        if socket >= 0 { _ = shutdown(socket, Int32(SHUT_RDWR)) }
    }
}
