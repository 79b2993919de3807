import Hashing

/// One numbered SQL file of `migrations/`, as compiled into the binary.
///
/// `0001_initial.sql` is version 1, named `initial`. The checksum (lowercase hex SHA-256 of the
/// SQL's UTF-8 bytes) is recorded when the migration is applied, so that a file changed
/// afterwards is noticed rather than silently diverging from the databases it already ran on.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String
    public var checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = Digest.sha256Hex(Array(sql.utf8))
    }

    /// Reads the version and name from a file name such as `0001_initial.sql`.
    public init(fileName: String, sql: String) throws(MigrationError) {
        guard let (version, name) = Self.parse(fileName: fileName) else {
            throw MigrationError.invalidMigrations(
                "\(fileName) is not named like 0001_initial.sql (digits, an underscore, [A-Za-z0-9_-], .sql)")
        }
        self.init(version: version, name: name, sql: sql)
    }

    /// `0001_initial`: the file's name without `.sql`, as people see it in `migrations/`.
    public var displayName: String {
        Self.displayName(version: version, name: name)
    }

    static func displayName(version: Int, name: String) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name
    }

    static func parse(fileName: String) -> (version: Int, name: String)? {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let version = Int(digits), version > 0,
              !name.isEmpty,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        else { return nil }
        return (version, String(name))
    }
}
