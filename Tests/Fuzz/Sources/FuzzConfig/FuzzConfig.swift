import FuzzSupport
@testable import StatushookCore

/// The configuration grammar: `ConfigurationLexer` and `ConfigurationLoader.parse`.
///
/// The input is the file's text, then optionally a NUL byte and `NAME=value` lines that become
/// the environment. The first byte also picks a secret key whose line is put before the text,
/// with a marker value that no error may quote.
func fuzzConfig(_ bytes: [UInt8]) {
    let split = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
    let fileText = String(decoding: split.first ?? [], as: UTF8.self)
    var environment: [String: String] = [:]
    if split.count > 1 {
        for line in split[1].split(separator: 0x0A) {
            let entry = String(decoding: line, as: UTF8.self)
            if let equals = entry.firstIndex(of: "=") {
                environment[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
            }
        }
    }

    checkLexer(fileText)

    let secretKeys = CoreKey.allCases.filter(\.isSecret).map(\.rawValue)
        + ["account.AC0123456789abcdef0123456789abcdef.auth_token", "sink.hook.secret"]
    let marker = "Qz8marker"
    let secretKey = secretKeys[Int(bytes.first ?? 0) % secretKeys.count]
    let text = "\(secretKey) = postgres://u:\(marker)@localhost/db\n" + fileText
    let lineCount = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).count

    let first = parse(text, environment: environment)
    guard case .failure(let errors) = first else {
        require(parse(text, environment: environment) == first, "a second parse gives another configuration")
        return
    }
    require(!errors.errors.isEmpty, "a failure without errors")
    for error in errors.errors {
        if let line = error.line {
            require(error.source == "fuzz.conf" && (1...lineCount).contains(line), "error at line \(line) of \(lineCount): \(error)")
        }
        require(error.source == "fuzz.conf" || error.source == "environment", "error from \(error.source)")
        if !containsBytes(fileText, marker), !environment.values.contains(where: { containsBytes($0, marker) }) {
            require(!containsBytes(error.description, marker), "an error quotes the secret of \(secretKey): \(error)")
        }
        require(!error.message.contains("\n"), "a multi-line error: \(error)")
    }
    require(parse(text, environment: environment) == first, "a second parse gives other errors")
}

private func parse(_ text: String, environment: [String: String]) -> Result<Configuration, ConfigurationErrors> {
    Result { () throws(ConfigurationErrors) in
        try ConfigurationLoader.parse(text, source: "fuzz.conf", environment: environment, readFile: readFile)
    }
}

/// Secret files without a file system: a path's content is a function of the path.
private func readFile(_ path: String) throws -> String {
    if path.contains("missing") { throw SecretFileError(description: "no such file") }
    if path.contains("empty") { return "\n" }
    return "content-of-" + String(path.unicodeScalars.filter { $0.properties.isAlphabetic }.prefix(20)) + "\r\n"
}

private func checkLexer(_ text: String) {
    let (entries, problems) = ConfigurationLexer.read(text)
    let lineCount = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).count
    var previous = 0
    for entry in entries {
        require((1...lineCount).contains(entry.line) && entry.line > previous, "entry at line \(entry.line) of \(lineCount)")
        previous = entry.line
        require(!entry.key.isEmpty && !entry.key.contains("="), "entry key '\(entry.key)'")
        for piece in [entry.key, entry.value] {
            require(piece.first.map { !" \t\r".contains($0) } ?? true, "untrimmed start in '\(piece)'")
            require(piece.last.map { !" \t\r".contains($0) } ?? true, "untrimmed end in '\(piece)'")
            require(!piece.contains("\n"), "a line feed in '\(piece)'")
        }
    }
    for problem in problems {
        require((1...lineCount).contains(problem.line), "problem at line \(problem.line) of \(lineCount)")
    }
}

/// By bytes: `String.contains` compares graphemes, and a combining mark after the marker's last
/// letter would hide it.
private func containsBytes(_ text: String, _ part: String) -> Bool {
    let bytes = Array(text.utf8), needle = Array(part.utf8)
    guard bytes.count >= needle.count else { return false }
    return (0...(bytes.count - needle.count)).contains { bytes[$0..<$0 + needle.count].elementsEqual(needle) }
}
