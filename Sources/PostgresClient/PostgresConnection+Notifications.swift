import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// LISTEN/NOTIFY. A notification is a hint: those sent while a connection is down are lost, so a
// listener rescans whatever it watches after reconnecting.
extension PostgresConnection {
    /// Starts listening on `channel` (any text: it is quoted as an identifier, never spliced in raw).
    public func listen(_ channel: String) throws(PostgresError) {
        try execute("LISTEN " + quotedIdentifier(channel))
    }

    /// Stops listening on `channel`.
    public func unlisten(_ channel: String) throws(PostgresError) {
        try execute("UNLISTEN " + quotedIdentifier(channel))
    }

    /// Sends `payload` on `channel` (delivered when the current transaction commits).
    public func notify(_ channel: String, payload: String = "") throws(PostgresError) {
        _ = try query("SELECT pg_notify($1, $2)", [channel, payload])
    }

    /// Waits on the socket up to `timeout` for notifications and returns those received.
    ///
    /// Returns at once with those already queued; returns an empty array when the time runs out.
    /// Throws `connectionLost` when the connection breaks while waiting.
    public func waitForNotifications(timeout: Duration) throws(PostgresError) -> [PostgresNotification] {
        let handle = try liveHandle()
        var received = Self.drainNotifications(handle)
        let deadline = ContinuousClock.now + timeout
        while received.isEmpty {
            switch waitForSocket(PQsocket(handle), events: Int16(POLLIN), until: deadline) {
            case .timedOut:
                return []
            case .failed(let reason):
                throw PostgresError(kind: .connectionLost, message: reason)
            case .ready:
                guard PQconsumeInput(handle) == 1 else {
                    throw PostgresError(kind: .connectionLost, message: Self.errorMessage(handle))
                }
                received = Self.drainNotifications(handle)
            }
        }
        return received
    }

    private static func drainNotifications(_ handle: OpaquePointer) -> [PostgresNotification] {
        var notifications: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            notifications.append(PostgresNotification(
                channel: String(cString: notify.pointee.relname),
                payload: String(cString: notify.pointee.extra),
                backendPID: notify.pointee.be_pid))
            PQfreemem(notify)
        }
        return notifications
    }

    private func quotedIdentifier(_ identifier: String) throws(PostgresError) -> String {
        let handle = try liveHandle()
        guard !identifier.utf8.contains(0), let quoted = PQescapeIdentifier(handle, identifier, identifier.utf8.count) else {
            throw PostgresError(kind: .queryFailed, message: "cannot quote the identifier: \(Self.errorMessage(handle))")
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }
}
