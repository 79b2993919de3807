import Foundation
import Locking

/// The file a log sink appends to, shared by every dispatcher thread: one `write(2)` per line
/// under a lock, `O_APPEND` so that lines from several processes do not overwrite each other,
/// and reopened on SIGHUP so that logrotate can move it away.
public final class LogSinkFile: Sendable {
    private struct State {
        var descriptor: Int32 = -1
    }

    public let path: String
    private let state = Locked(State())

    /// `path` "-" is standard output.
    public init(path: String) {
        self.path = path
    }

    deinit {
        state.withLock { state in
            if state.descriptor > 2 { close(state.descriptor) }
        }
    }

    /// Appends `line` (a newline is added); returns an error text when it could not.
    public func append(_ line: String) -> String? {
        let bytes = Array((line + "\n").utf8)
        return state.withLock { state -> String? in
            if state.descriptor < 0 {
                if path == "-" {
                    state.descriptor = 1
                } else {
                    let opened = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
                    guard opened >= 0 else { return "cannot open \(path): \(String(cString: strerror(errno)))" }
                    state.descriptor = opened
                }
            }
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { write(state.descriptor, $0.baseAddress! + offset, $0.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    if state.descriptor > 2 { close(state.descriptor) }
                    state.descriptor = -1
                    return "cannot write \(path): \(reason)"
                }
                offset += written
            }
            return nil
        }
    }

    /// Closes the file; the next line opens `path` afresh (after logrotate moved it away).
    public func reopen() {
        state.withLock { state in
            if state.descriptor > 2 { close(state.descriptor) }
            state.descriptor = -1
        }
    }
}

/// The log sink: one JSON line per transition (the event of docs/contract.md §2) or notice.
public final class LogSinkDriver: SinkDriver {
    public let name: String
    private let file: LogSinkFile

    public init(name: String, file: LogSinkFile) {
        self.name = name
        self.file = file
    }

    public func deliver(_ payload: DeliveryPayload) -> AttemptOutcome {
        if let failure = file.append(payload.json.text) {
            return .transient(detail: failure, retryAfter: nil)
        }
        return .delivered(detail: "appended to \(file.path)")
    }

    public func reset() {}
}
