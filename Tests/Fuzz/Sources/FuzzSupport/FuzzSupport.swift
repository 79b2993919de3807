import CFuzzerDriver
#if canImport(Glibc)
import Glibc
#endif

/// The target's check of one input; set once, before libFuzzer's driver starts, and only read
/// on the driver's thread afterwards.
nonisolated(unsafe) private var fuzzTarget: (([UInt8]) -> Void)?

/// Runs libFuzzer with the process's arguments (`-max_total_time=…`, corpus folders, …) over
/// `target`, then exits with libFuzzer's status.
public func runFuzzer(_ target: @escaping ([UInt8]) -> Void) -> Never {
    fuzzTarget = target
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        fuzzTarget?(inputBytes(data, size))
        return 0
    }
    exit(status)
}

/// Stops the run when a property does not hold: libFuzzer reports the trap as a crash and saves
/// the input that caused it.
public func require(
    _ condition: @autoclosure () -> Bool,
    _ message: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) {
    if !condition() {
        fatalError("property violated: \(message())", file: file, line: line)
    }
}

/// The bytes libFuzzer hands to `LLVMFuzzerTestOneInput`.
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// The input cut at its first `count - 1` line feeds into `count` fields (missing ones empty), so
/// that one input can carry a URL, a token, a header and a body and a seed stays readable.
public func fields(_ bytes: [UInt8], count: Int) -> [[UInt8]] {
    var out = bytes.split(separator: 0x0A, maxSplits: count - 1, omittingEmptySubsequences: false).map { Array($0) }
    while out.count < count { out.append([]) }
    return out
}

/// Text for a message: control characters escaped, at most 200 of them.
public func shown(_ bytes: [UInt8]) -> String {
    var out = ""
    for byte in bytes.prefix(200) {
        if byte >= 0x20 && byte < 0x7F {
            out.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }
    }
    return out
}

/// True when `text` holds a C0 control character or DEL, which would let a hostile value forge or
/// split a log line.
public func hasControlCharacter(_ text: String) -> Bool {
    text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
}
