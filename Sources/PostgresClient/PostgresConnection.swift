import CLibPQ
import Locking

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection, used by one thread at a time.
///
/// libpq calls block, so this type is synchronous and belongs on threads the caller owns, never on
/// Swift's cooperative pool. It is `@unchecked Sendable` so that it can be handed from one thread
/// to another (a ``PostgresPool`` does that under its lock); two threads must never use it at once.
public final class PostgresConnection: @unchecked Sendable {
    /// The libpq handle; `nil` once closed.
    private var handle: OpaquePointer?
    /// Receives the server's NOTICEs; the handle points at it, so it lives as long as the handle.
    private let noticeSink: NoticeSink

    private init(handle: OpaquePointer, noticeSink: NoticeSink) {
        self.handle = handle
        self.noticeSink = noticeSink
    }

    deinit {
        close()
    }

    /// Connects, from a `key=value` string or a `postgres://` URL.
    ///
    /// `application_name` is `statushook` unless the string names another. Entries of `defaults`
    /// (libpq keywords such as `connect_timeout`) apply unless the string names them; entries of
    /// `overriding` (such as `dbname`) replace the string's. The client encoding is always
    /// UTF-8. Without a `connect_timeout` the attempt gives up after 10 seconds. NOTICEs and
    /// WARNINGs go to `onNotice` (or nowhere), never to stderr.
    public static func connect(
        _ conninfo: String,
        defaults: [String: String] = [:],
        overriding: [String: String] = [:],
        onNotice: (@Sendable (PostgresNotice) -> Void)? = nil
    ) throws(PostgresError) -> PostgresConnection {
        // With expand_dbname, the string expanded from "dbname" replaces the entries before it,
        // and the entries after it replace the string's.
        var parameters: [(String, String)] = [("fallback_application_name", "statushook")]
        parameters += defaults.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        parameters.append(("dbname", conninfo))
        parameters += overriding.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        parameters.append(("client_encoding", "UTF8"))

        let started = withCStringArray(parameters.map(\.0)) { keywords in
            withCStringArray(parameters.map(\.1)) { values in
                PQconnectStartParams(keywords, values, 1)
            }
        }
        guard let handle = started else {
            throw PostgresError(kind: .connectionFailed, message: "libpq could not allocate a connection")
        }
        let sink = NoticeSink(onNotice)
        // From here on the connection owns the handle, and deinit finishes it on every path.
        let connection = PostgresConnection(handle: handle, noticeSink: sink)
        if PQstatus(handle) == CONNECTION_BAD {
            throw PostgresError(kind: .connectionFailed, message: errorMessage(handle))
        }
        // Before the first poll, so that a WARNING sent during start-up is not printed either.
        PQsetNoticeReceiver(handle, { context, result in
            guard let context, let result else { return }
            Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue().receive(result)
        }, Unmanaged.passUnretained(sink).toOpaque())
        try connection.finishConnecting(timeout: connectTimeout(handle))
        return connection
    }

    /// Drives PQconnectPoll until the connection is made or fails; libpq leaves the timeout to us here.
    private func finishConnecting(timeout: Duration?) throws(PostgresError) {
        guard let handle else { return }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var state = PGRES_POLLING_WRITING
        while true {
            if state == PGRES_POLLING_OK { return }
            if state == PGRES_POLLING_FAILED {
                throw PostgresError(kind: .connectionFailed, message: Self.errorMessage(handle))
            }
            let events = state == PGRES_POLLING_READING ? Int16(POLLIN) : Int16(POLLOUT)
            switch waitForSocket(PQsocket(handle), events: events, until: deadline) {
            case .ready:
                break
            case .timedOut:
                throw PostgresError(kind: .connectionFailed, message: "timed out after \(timeout ?? .zero)")
            case .failed(let reason):
                throw PostgresError(kind: .connectionFailed, message: reason)
            }
            state = PQconnectPoll(handle)
        }
    }

    /// The effective `connect_timeout` (from the string or PGCONNECT_TIMEOUT): 10 s when unset, none when 0.
    private static func connectTimeout(_ handle: OpaquePointer) -> Duration? {
        guard let options = PQconninfo(handle) else { return .seconds(10) }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "connect_timeout" {
                guard let value = option.pointee.val, let seconds = Int(String(cString: value)) else {
                    return .seconds(10)
                }
                return seconds > 0 ? .seconds(max(seconds, 2)) : nil
            }
            option += 1
        }
        return .seconds(10)
    }

    /// True while libpq holds a working connection.
    ///
    /// First reads, without blocking, whatever the server sent while the connection sat idle, so
    /// that a connection the server closed meanwhile (a restart, `pg_terminate_backend`) shows up
    /// as unhealthy here rather than on the next statement.
    public var isHealthy: Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        if PQtransactionStatus(handle) == PQTRANS_IDLE {
            // A few rounds: the server's last message and its end of stream may arrive apart.
            for _ in 0..<4 {
                guard case .ready = waitForSocket(PQsocket(handle), events: Int16(POLLIN), until: .now) else { break }
                guard PQconsumeInput(handle) == 1 else { break }
                _ = PQisBusy(handle)  // parses what arrived: notifications queue up, notices go to the sink
            }
        }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// True inside a transaction block (`BEGIN` without its `COMMIT`/`ROLLBACK` yet), failed or not.
    public var isInTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// The server process serving this connection (`pg_backend_pid()`), 0 when closed.
    public var backendPID: Int32 {
        handle.map { PQbackendPID($0) } ?? 0
    }

    /// The WARNINGs the server sent since the last call (at most the last 16), oldest first.
    ///
    /// Take them before a transaction and after its COMMIT: a COMMIT that returns `COMMAND_OK`
    /// with WARNING 01000 was committed here but its wait for a synchronous standby was cancelled.
    public func takeWarnings() -> [PostgresNotice] {
        noticeSink.takeWarnings()
    }

    /// What another thread may use to cancel this connection's statement or to break the
    /// connection while this one is blocked in it; nil when closed.
    public func makeInterrupter() -> PostgresInterrupter? {
        guard let handle, let cancel = PQgetCancel(handle) else { return nil }
        return PostgresInterrupter(cancel: cancel, socket: PQsocket(handle))
    }

    /// Closes the connection; calling it again does nothing.
    public func close() {
        if let handle {
            PQfinish(handle)
            self.handle = nil
        }
    }

    /// The handle of a connection still believed to work.
    func liveHandle() throws(PostgresError) -> OpaquePointer {
        guard let handle else {
            throw PostgresError(kind: .connectionLost, message: "the connection was closed")
        }
        if PQstatus(handle) == CONNECTION_BAD {
            throw PostgresError(kind: .connectionLost, message: Self.errorMessage(handle))
        }
        return handle
    }

    /// libpq's last error on `handle`, on one line.
    static func errorMessage(_ handle: OpaquePointer) -> String {
        let message = oneLine(String(cString: PQerrorMessage(handle)))
        return message.isEmpty ? "unknown libpq error" : message
    }
}

/// Forwards the server's NOTICEs to the caller's closure (or drops them), and keeps the last few
/// WARNINGs for ``PostgresConnection/takeWarnings()``: a COMMIT can succeed with a WARNING that
/// changes what it means (a cancelled wait for a synchronous standby).
final class NoticeSink: Sendable {
    /// Enough for the statements of one transaction; older ones are dropped, never grown without bound.
    static let keptWarnings = 16

    private let handler: (@Sendable (PostgresNotice) -> Void)?
    private let warnings = Locked<[PostgresNotice]>([])

    init(_ handler: (@Sendable (PostgresNotice) -> Void)?) {
        self.handler = handler
    }

    func receive(_ result: OpaquePointer) {
        let severity = resultField(result, SHK_PG_DIAG_SEVERITY_NONLOCALIZED) ?? "NOTICE"
        let message = resultField(result, SHK_PG_DIAG_MESSAGE_PRIMARY)
            ?? oneLine(String(cString: PQresultErrorMessage(result)))
        let notice = PostgresNotice(severity: severity, sqlState: resultField(result, SHK_PG_DIAG_SQLSTATE), message: message)
        if severity == "WARNING" {
            warnings.withLock { kept in
                if kept.count >= Self.keptWarnings { kept.removeFirst() }
                kept.append(notice)
            }
        }
        handler?(notice)
    }

    func takeWarnings() -> [PostgresNotice] {
        warnings.withLock { kept in
            defer { kept.removeAll() }
            return kept
        }
    }
}
