/// One problem in a configuration, located well enough to fix it.
///
/// Messages name keys, lines, environment variables and file paths, never a secret's value.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file's path as given, or `"environment"`.
    public var source: String
    /// 1-based; nil for a problem of the whole file (a missing required key) or of the environment.
    public var line: Int?
    public var message: String

    public init(source: String, line: Int?, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    /// `statushook.conf:12: unknown key 'auth_tokn' (did you mean 'auth_token'?)`, or without a
    /// line `statushook.conf: missing required key 'database_url'`.
    public var description: String {
        if let line { "\(source):\(line): \(message)" } else { "\(source): \(message)" }
    }
}

/// Every problem found in one configuration: the parser does not stop at the first.
public struct ConfigurationErrors: Error, Sendable, Equatable, CustomStringConvertible {
    /// File errors by line, then whole-file errors, then environment errors; never empty.
    public var errors: [ConfigurationError]

    public init(_ errors: [ConfigurationError]) {
        self.errors = errors
    }

    /// One error a line.
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
