import Hashing
import Synchronization

/// Request ids: a random per-process prefix and a counter, unique across instances and cheap.
enum RequestID {
    private static let prefix = "RQ" + Digest.hex(Digest.randomBytes(8))
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        let value = counter.add(1, ordering: .relaxed).newValue
        let digits = String(value, radix: 16)
        return prefix + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }
}
