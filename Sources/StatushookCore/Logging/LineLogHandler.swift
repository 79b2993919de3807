import Foundation
import Logging
import Locking

/// Writes one line per log record to standard error: a JSON object (the default) or text.
///
/// Lines go out with one `write(2)` each under a lock, so concurrent threads never interleave.
public struct LineLogHandler: LogHandler {
    public enum Format: Sendable { case json, text }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: Format

    public init(label: String, format: Format, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let now = Timestamp.now()
        let time = Timestamp.iso8601(seconds: now.seconds, microseconds: now.microseconds)
        let line: String
        switch format {
        case .json:
            var members: [(String, JSONValue)] = [
                ("time", .string(time)),
                ("level", .string(event.level.rawValue)),
                ("message", .string("\(event.message)")),
            ]
            for key in merged.keys.sorted() {
                members.append((key, Self.json(merged[key]!)))
            }
            line = JSONValue.object(members).text + "\n"
        case .text:
            let fields = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
            line = "\(time) \(event.level.rawValue.uppercased()) \(event.message)\(fields.isEmpty ? "" : " " + fields)\n"
        }
        StandardError.write(line)
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let string): return .string(string)
        case .stringConvertible(let convertible):
            if let number = convertible as? any BinaryInteger { return .int(Int64(number)) }
            if let flag = convertible as? Bool { return .bool(flag) }
            return .string(convertible.description)
        case .array(let values): return .array(values.map(json))
        case .dictionary(let members): return .object(members.keys.sorted().map { ($0, json(members[$0]!)) })
        }
    }
}

/// Standard error as a file descriptor, written whole lines at a time.
enum StandardError {
    private static let lock = Locked(())

    static func write(_ line: String) {
        var bytes = Array(line.utf8)
        lock.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes { Foundation.write(2, $0.baseAddress! + offset, $0.count - offset) }
                if written <= 0 { return }
                offset += written
            }
        }
        bytes.removeAll()
    }
}
