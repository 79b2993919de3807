/// Slack's escaping rule for text objects: `&`, `<` and `>` are its control characters (`<!channel>`,
/// `<@U123>`, `<https://…|label>`), so in any value we did not write they become `&amp;`, `&lt;`
/// and `&gt;`, which Slack shows as the characters themselves. Nothing else is entity-encoded,
/// as Slack decodes only these three.
enum SlackText {
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            out += escaped(character)
        }
        return out
    }

    /// `text` escaped, then cut to at most `limit` UTF-16 units (Slack counts its limits in
    /// characters; UTF-16 never undercounts them), never inside an entity or a character, with
    /// "…" marking a cut.
    static func escaped(_ text: String, limit: Int) -> String {
        var out = ""
        var used = 0
        let whole = escaped(text)
        if whole.utf16.count <= limit { return whole }
        for character in text {
            let piece = escaped(character)
            let length = piece.utf16.count
            if used + length > limit - 1 { break }
            out += piece
            used += length
        }
        return out + "…"
    }

    /// A link Slack shows as `label`: both parts are ours (Twilio's error pages, five-digit codes),
    /// and are checked to hold none of the characters that would end the link early.
    static func link(_ url: String, label: String) -> String? {
        let forbidden: Set<Character> = ["<", ">", "|", "&", " ", "\n"]
        guard !url.contains(where: forbidden.contains), !label.contains(where: forbidden.contains) else { return nil }
        return "<\(url)|\(label)>"
    }

    private static func escaped(_ character: Character) -> String {
        switch character {
        case "&": "&amp;"
        case "<": "&lt;"
        case ">": "&gt;"
        default: String(character)
        }
    }
}
