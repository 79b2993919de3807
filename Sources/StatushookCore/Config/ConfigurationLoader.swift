import Foundation

/// Reads `statushook.conf` text and `STATUSHOOK_*` variables into a checked `Configuration`.
///
/// The grammar (docs/contract.md §4): one `key = value` a line; `#` starts a comment only at the start of
/// a line; no sections, no quotes. Every problem is collected, not only the first. Variables
/// override the file: `STATUSHOOK_<KEY>` (the key in capitals, `.` and `-` as `_`) for core and
/// account keys, `STATUSHOOK_SINK_<NAME>_<FIELD>` for sinks the file names. Other `STATUSHOOK_*`
/// variables are ignored, since other tools share the prefix; an empty one counts as unset.
public enum ConfigurationLoader {
    /// Parses `text`, whose errors are reported against `source`.
    ///
    /// `readFile` reads the path a `…_file` key names; its trailing line ends are dropped.
    public static func parse(
        _ text: String,
        source: String,
        environment: [String: String],
        readFile: (String) throws -> String
    ) throws(ConfigurationErrors) -> Configuration {
        var errors = ErrorList(source: source)
        let (entries, problems) = ConfigurationLexer.read(text)
        for problem in problems {
            errors.report(problem.message, at: .line(problem.line))
        }
        var table = SettingTable()
        for entry in entries {
            table.add(entry, errors: &errors)
        }
        table.applyEnvironment(environment, errors: &errors)
        let values = SecretFiles.resolve(table.settings, readFile: readFile, errors: &errors)
        var assembler = ConfigurationAssembler(table: table, values: values, errors: errors)
        guard let configuration = assembler.assemble() else {
            throw ConfigurationErrors(assembler.errors.sorted)
        }
        return configuration
    }

    /// Reads the file at `path`, then parses it, reading secret files from the file system.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationErrors) -> Configuration {
        let text: String
        do {
            text = try readTextFile(path)
        } catch {
            throw ConfigurationErrors([ConfigurationError(source: path, line: nil, message: "cannot read the file: \(error)")])
        }
        return try parse(text, source: path, environment: environment, readFile: readTextFile)
    }

    /// The UTF-8 text of a file, or an error saying in a few words why not.
    static func readTextFile(_ path: String) throws(SecretFileError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                throw SecretFileError(description: "no such file")
            }
            throw SecretFileError(description: isDirectory.boolValue ? "it is a directory" : "permission denied")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SecretFileError(description: "not UTF-8 text")
        }
        return text
    }
}
