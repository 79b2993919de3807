import ArgumentParser
import Foundation
import PostgresClient
import StatushookCore

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the known customer profiles and trust products or, given a SID, its transitions newest first.",
        discussion: "Colour only when standard output is a terminal (and NO_COLOR is not set).")

    @OptionGroup var options: ConfigurationOptions

    @Argument(help: "A resource SID (BU…): its transitions instead of the list of resources.")
    var sid: String?

    @Option(help: "How many rows to show.")
    var limit = 50

    func validate() throws {
        if let sid, sid.wholeMatch(of: /BU[0-9a-fA-F]{32}/) == nil {
            throw ValidationError("'\(sid)' is not a resource SID (BU and 32 hexadecimal digits)")
        }
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit takes 1 to 10000") }
    }

    func run() throws {
        let configuration = try options.load()
        let style = CellStyle(enabled: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
        if let sid {
            try showTransitions(of: sid, configuration: configuration, style: style)
        } else {
            let rows = try withReadDatabase(configuration) { try $0.query(Self.profilesSQL, [String(limit)]) }
            print(StyledTable.render(header: ["SID", "KIND", "STATUS", "LAST CHANGE", "FRIENDLY NAME"], rows: rows.map { row in
                [[(row["sid"] ?? "", nil)], [(Self.kindName(row["kind"]), nil)], [style.status(row["status"] ?? "")],
                 [(row["changed"] ?? "", nil)], [(row["friendly_name"] ?? "", nil)]]
            }, style: style))
            if rows.isEmpty { print("(no profiles)") }
        }
    }

    private func showTransitions(of sid: String, configuration: Configuration, style: CellStyle) throws {
        let (profile, transitions) = try withReadDatabase(configuration) { connection in
            (try connection.query(Self.profileSQL, [sid]), try connection.query(Self.transitionsSQL, [sid, String(limit)]))
        }
        guard let current = profile.first else {
            printError("statushook history: no profile \(sid) is known")
            throw ExitCode(1)
        }
        let name = current["friendly_name"].map { " “\($0)”" } ?? ""
        print("\(sid)\(name), \(Self.kindName(current["kind"])): \(style.status(current["status"] ?? "").text) since \(current["changed"] ?? "")")
        print(StyledTable.render(header: ["WHEN", "FROM → TO", "UNEXPECTED", "FAILURE REASON", "SOURCE"], rows: try transitions.map { row in
            let unexpected = try row.decode("unexpected", as: Bool.self)
            return [[(row["occurred_at"] ?? "", nil)],
                    [style.status(row["from_status"] ?? "∅"), (" → ", nil), style.status(row["to_status"] ?? "")],
                    [(unexpected ? "yes" : "no", unexpected ? style.alarm : nil)],
                    [(row["failure_reason"] ?? "", nil)], [(row["source"] ?? "", nil)]]
        }, style: style))
        if transitions.isEmpty { print("(no transitions)") }
    }

    /// `customer profile`, `trust product`, or `unknown` (served as a customer profile).
    static func kindName(_ stored: String?) -> String {
        stored.flatMap(ResourceKind.init(rawValue:))?.displayName ?? "unknown"
    }

    // The CLI's own reads; the history API has its paged queries in StatushookCore.
    static let profilesSQL = """
        SELECT sid, kind, status, statushook_rfc3339(date_updated) AS changed, friendly_name
          FROM profiles ORDER BY date_updated DESC, sid LIMIT $1::integer
        """
    static let profileSQL = """
        SELECT kind, status, statushook_rfc3339(date_updated) AS changed, friendly_name FROM profiles WHERE sid = $1
        """
    static let transitionsSQL = """
        SELECT statushook_rfc3339(occurred_at) AS occurred_at, from_status, to_status, unexpected, failure_reason, source
          FROM transitions t WHERE sid = $1 ORDER BY t.occurred_at DESC, t.id DESC LIMIT $2::integer
        """
}

/// ANSI SGR codes for the history table, or none at all when output is not a terminal.
struct CellStyle {
    let enabled: Bool

    var alarm: String? { enabled ? "1;31" : nil }
    var heading: String? { enabled ? "1" : nil }

    /// A status in the colour of where it stands: approved green, rejected red, under way yellow.
    func status(_ status: String) -> (text: String, sgr: String?) {
        guard enabled else { return (status, nil) }
        switch status {
        case "twilio-approved": return (status, "32")
        case "twilio-rejected": return (status, "31")
        case "pending-review", "in-review": return (status, "33")
        default: return (status, nil)
        }
    }

    func apply(_ text: String, _ sgr: String?) -> String {
        guard enabled, let sgr, !text.isEmpty else { return text }
        return "\u{1B}[\(sgr)m\(text)\u{1B}[0m"
    }
}

/// `TextTable`'s layout with styled cells: widths from the plain text, escapes added after padding.
enum StyledTable {
    typealias Cell = [(text: String, sgr: String?)]

    static func render(header: [String], rows: [[Cell]], style: CellStyle) -> String {
        let head: [Cell] = header.map { [($0, style.heading)] }
        let all = [head] + rows
        let widths = header.indices.map { column in all.map { width($0[column]) }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                let text = cell.map { style.apply($0.text, $0.sgr) }.joined()
                let padding = index == row.count - 1 ? 0 : widths[index] - width(cell)
                return text + String(repeating: " ", count: padding)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    private static func width(_ cell: Cell) -> Int {
        cell.reduce(0) { $0 + $1.text.count }
    }
}
