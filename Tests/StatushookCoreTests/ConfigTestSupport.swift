@testable import StatushookCore

/// Shared fixtures for the configuration tests.
enum ConfigFixture {
    static let source = "statushook.conf"
    static let token = "0123456789abcdef0123456789abcdef"
    static let accountSid = "AC0123456789abcdef0123456789abcdef"

    /// The two required keys, so that a test adds only what it is about.
    static let required = """
        database_url = postgres://localhost/statushook
        auth_token = \(token)

        """

    /// Parses `text` with the given variables and secret files (path to content).
    static func parse(
        _ text: String,
        environment: [String: String] = [:],
        files: [String: String] = [:]
    ) throws(ConfigurationErrors) -> Configuration {
        try ConfigurationLoader.parse(text, source: source, environment: environment) { path in
            guard let content = files[path] else { throw SecretFileError(description: "no such file") }
            return content
        }
    }

    /// `required` followed by `text`, parsed.
    static func parseWithRequired(
        _ text: String,
        environment: [String: String] = [:],
        files: [String: String] = [:]
    ) throws(ConfigurationErrors) -> Configuration {
        try parse(required + text, environment: environment, files: files)
    }

    /// The errors of a text expected to fail; empty when it parsed.
    static func errors(
        _ text: String,
        environment: [String: String] = [:],
        files: [String: String] = [:]
    ) -> [ConfigurationError] {
        do {
            _ = try parse(text, environment: environment, files: files)
            return []
        } catch {
            return error.errors
        }
    }

    /// The errors of `required` followed by `text`; lines of `text` start at 3.
    static func errorsWithRequired(
        _ text: String,
        environment: [String: String] = [:],
        files: [String: String] = [:]
    ) -> [ConfigurationError] {
        errors(required + text, environment: environment, files: files)
    }

    /// An error in the file at `line`.
    static func fileError(_ line: Int?, _ message: String) -> ConfigurationError {
        ConfigurationError(source: source, line: line, message: message)
    }

    /// An error in the environment.
    static func environmentError(_ message: String) -> ConfigurationError {
        ConfigurationError(source: "environment", line: nil, message: message)
    }
}
