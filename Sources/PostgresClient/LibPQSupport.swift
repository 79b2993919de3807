import CLibPQ
import DurationUnits

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Small bridges between libpq's C types and Swift, kept out of the types that use them.

/// Calls `body` with NUL-terminated copies of `strings` (`nil` stays a null pointer), freed afterwards.
func withCStringArray<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { string in string.map { strdup($0)! } }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}

/// Calls `body` with a NULL-terminated array of C strings, as libpq's keyword lists want.
func withCStringArray<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    withCStringArray(strings.map { Optional($0) } + [nil], body)
}

/// A diagnostic field of a result (`SHK_PG_DIAG_SQLSTATE`, …), `nil` when absent or empty.
func resultField(_ result: OpaquePointer, _ field: Int32) -> String? {
    guard let value = PQresultErrorField(result, field) else { return nil }
    let text = String(cString: value)
    return text.isEmpty ? nil : text
}

/// `text` with its lines trimmed and joined by spaces: libpq ends messages with a newline and
/// indents continuation lines with a tab.
func oneLine(_ text: String) -> String {
    text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
        .map { $0.trimmingWhitespace() }
        .filter { !$0.isEmpty }
        .joined(separator: " ")
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}

enum SocketWait {
    case ready
    case timedOut
    case failed(String)
}

/// Waits until `socket` is ready for `events` (POLLIN/POLLOUT) or `deadline` passes (`nil`: forever).
func waitForSocket(_ socket: Int32, events: Int16, until deadline: ContinuousClock.Instant?) -> SocketWait {
    guard socket >= 0 else { return .failed("the connection has no socket") }
    while true {
        var timeout: Int32 = -1
        if let deadline {
            let remaining = deadline - .now
            timeout = remaining <= .zero ? 0 : milliseconds(rounding: remaining)
        }
        var descriptor = pollfd(fd: socket, events: events, revents: 0)
        let ready = poll(&descriptor, 1, timeout)
        if ready > 0 { return .ready }
        if ready == 0 {
            if let deadline, deadline <= .now { return .timedOut }
            continue
        }
        if errno == EINTR { continue }
        return .failed("poll failed: \(String(cString: strerror(errno)))")
    }
}

/// `duration` in whole milliseconds, rounded up so that a wait never ends early, at most Int32.max.
private func milliseconds(rounding duration: Duration) -> Int32 {
    Int32(clamping: duration.milliseconds(rounded: .up))
}
