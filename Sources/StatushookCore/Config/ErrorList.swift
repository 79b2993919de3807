/// Where a setting, or a problem, comes from.
enum SettingOrigin: Equatable, Sendable {
    /// A 1-based line of the file.
    case line(Int)
    /// The `STATUSHOOK_*` variable that set it.
    case environment(String)
}

/// The errors of one parse, collected rather than thrown so that one run reports them all.
struct ErrorList: Sendable {
    /// The file's path, for errors located in the file.
    let source: String
    private var errors: [ConfigurationError] = []

    init(source: String) {
        self.source = source
    }

    var isEmpty: Bool { errors.isEmpty }

    /// At a line, at a variable, or (nil) against the file as a whole.
    mutating func report(_ message: String, at origin: SettingOrigin?) {
        switch origin {
        case .line(let line): errors.append(ConfigurationError(source: source, line: line, message: message))
        case .environment(let variable): errors.append(ConfigurationError(source: "environment", line: nil, message: "\(variable): \(message)"))
        case nil: errors.append(ConfigurationError(source: source, line: nil, message: message))
        }
    }

    /// File errors by line, then whole-file errors, then environment errors, each group in the
    /// order found.
    var sorted: [ConfigurationError] {
        func rank(_ error: ConfigurationError) -> (Int, Int) {
            if let line = error.line { return (0, line) }
            return error.source == source ? (1, 0) : (2, 0)
        }
        return errors.enumerated()
            .sorted { a, b in rank(a.element) != rank(b.element) ? rank(a.element) < rank(b.element) : a.offset < b.offset }
            .map(\.element)
    }
}
