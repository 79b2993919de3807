/// A setting's text once `…_file` forms are read, and where it came from.
struct SettingValue: Sendable {
    var text: String
    var origin: SettingOrigin
    /// The path it was read from, for a `…_file` form.
    var path: String?
}

/// A secret file that could not be read, with the reason in a few words.
struct SecretFileError: Error, CustomStringConvertible {
    var description: String
}

/// Reads the `…_file` forms: the file's content, without its trailing line ends, is the value.
enum SecretFiles {
    /// Settings with an empty value, or a file that cannot be read or is empty, are reported and
    /// left out of the result.
    static func resolve(
        _ settings: [SettingKey: RawSetting],
        readFile: (String) throws -> String,
        errors: inout ErrorList
    ) -> [SettingKey: SettingValue] {
        var values: [SettingKey: SettingValue] = [:]
        // Sorted so that errors found here come in a stable order.
        for (key, raw) in settings.sorted(by: { $0.key.name < $1.key.name }) {
            guard !raw.text.isEmpty else {
                errors.report("missing value for '\(raw.writtenKey)'", at: raw.origin)
                continue
            }
            guard raw.fileForm else {
                values[key] = SettingValue(text: raw.text, origin: raw.origin, path: nil)
                continue
            }
            let namedBy = if case .line = raw.origin { " named by '\(raw.writtenKey)'" } else { "" }
            let content: String
            do {
                content = try readFile(raw.text)
            } catch {
                errors.report("cannot read the file '\(raw.text)'\(namedBy): \(error)", at: raw.origin)
                continue
            }
            var text = Substring(content)
            while let last = text.unicodeScalars.last, last == "\n" || last == "\r" {
                text = Substring(text.unicodeScalars.dropLast())
            }
            guard !text.isEmpty else {
                errors.report("the file '\(raw.text)'\(namedBy) is empty", at: raw.origin)
                continue
            }
            values[key] = SettingValue(text: String(text), origin: raw.origin, path: raw.text)
        }
        return values
    }
}
