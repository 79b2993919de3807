/// The words of one email that tells many transitions at once (a burst): the subject gives the
/// count and the verdicts, the text a table oldest first, then every rejection with its reason
/// and error codes in full. Headers and encoding are the SMTP client's business.
public struct DigestEmail: Sendable, Equatable {
    public var subject: String
    public var text: String
    /// Unique per digest: its first delivery and its size.
    public var messageID: String

    /// A name longer than this is cut in the table (the rejections below show it whole).
    static let nameWidth = 28

    /// `events` in the order they are told (oldest first); `sink` names the sink in the footer.
    public init(_ events: [TransitionEvent], sink: String, domain: String) {
        precondition(!events.isEmpty, "a digest tells at least one transition")
        let rejected = events.filter { $0.to == "twilio-rejected" }
        let approved = events.filter { $0.to == "twilio-approved" }
        let others = events.count - rejected.count - approved.count
        var verdicts: [String] = []
        if !rejected.isEmpty { verdicts.append("\(rejected.count) rejected") }
        if !approved.isEmpty { verdicts.append("\(approved.count) approved") }
        if others > 0 { verdicts.append("\(others) other") }
        let counted = events.count == 1 ? "1 TrustHub status change" : "\(events.count) TrustHub status changes"
        subject = "statushook: \(counted) (\(verdicts.joined(separator: ", ")))"
        messageID = "<digest-\(events[0].deliveryID)-\(events.count)@\(domain)>"

        var lines = [
            "\(counted) arrived together; this one email tells them all, oldest first.",
            verdicts.joined(separator: ", ").capitalizedFirst + ".",
            "",
        ]
        let rows = events.map { event in
            [Self.when(event.occurredAt), TransitionEmail.label(event.kind), event.sid,
             Self.cut(event.friendlyName ?? "", to: Self.nameWidth),
             "\(event.from ?? "(first seen)") -> \(event.to)" + (event.unexpected ? " (unexpected)" : "")]
        }
        lines += Self.table(header: ["When (UTC)", "Kind", "SID", "Name", "From -> To"], rows: rows)
        if !rejected.isEmpty {
            lines += ["", "Rejections, with Twilio's reasons:", ""]
            for event in rejected {
                let codes = TransitionEmail.merged(event.profile?.errorCodes ?? [],
                                                   event.failureReason.map(TransitionEmail.errorCodes(in:)) ?? [])
                lines.append("  \(event.sid)" + (event.friendlyName.map { " \($0)" } ?? ""))
                lines.append("    Reason: \(event.failureReason ?? "(none given)")")
                if !codes.isEmpty {
                    lines.append("    Codes:  " + codes.map { "\($0) (https://www.twilio.com/docs/errors/\($0))" }.joined(separator: ", "))
                }
            }
        }
        if events.contains(where: \.unexpected) {
            lines += ["", "A transition marked (unexpected) is not one Twilio documents: check that profile in the console."]
        }
        let ids = events.map(\.deliveryID)
        let deliveries = events.count == 1 ? "1 delivery (\(ids[0]))" : "\(events.count) deliveries (\(ids.min()!)–\(ids.max()!))"
        lines += ["", "-- ", "statushook, sink \(sink): a digest of \(deliveries); "
                  + "each is recorded as delivered in it (statushook deliveries --sink \(sink))."]
        text = lines.joined(separator: "\n") + "\n"
    }

    /// `2026-12-06T05:10:00.123Z` → `2026-12-06 05:10:00`.
    static func when(_ rfc3339: String) -> String {
        String(rfc3339.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    static func cut(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    /// Columns padded to their widest cell, two spaces apart, the header underlined.
    static func table(header: [String], rows: [[String]]) -> [String] {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { column, cell in
                column == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }
            return "  " + padded.joined(separator: "  ")
        }
        return [line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)
    }
}

private extension String {
    var capitalizedFirst: String {
        prefix(1).uppercased() + dropFirst()
    }
}
