/// A fragment of HTML that is safe to send: markup written in this source code, and text that was
/// escaped on the way in.
///
/// The only way a runtime `String` gets in is ``text(_:)`` (text context) or an attribute value of
/// ``element(_:_:_:)`` (attribute context, always double-quoted); markup and names are
/// `StaticString`, so they can only be literals in this repository. There is no raw constructor:
/// nothing on the operator page needs one, and adding one means review.
struct HTML: Sendable, Equatable {
    /// The escaped, ready-to-send text.
    private(set) var rendered: String

    private init(rendered: String) {
        self.rendered = rendered
    }

    /// Attributes: names written here, values escaped.
    typealias Attributes = [(StaticString, String)]

    static let empty = HTML(rendered: "")

    /// `value` as text: `&`, `<` and `>` escaped; control characters (but tab and line feed) replaced.
    static func text(_ value: String) -> HTML {
        HTML(rendered: escape(value, quotes: false))
    }

    /// Markup written here, as a literal (`<br>`, an entity): never data.
    static func markup(_ literal: StaticString) -> HTML {
        HTML(rendered: literal.description)
    }

    /// `<name attributes…>children…</name>`; each attribute value is escaped for a double-quoted
    /// attribute (also `"` and `'`). A void element (`meta`, `link`, `input`, `br`) takes no children.
    static func element(_ name: StaticString, _ attributes: [(StaticString, String)] = [], _ children: [HTML] = []) -> HTML {
        var out = "<" + name.description
        for (attribute, value) in attributes {
            out += " " + attribute.description + "=\"" + escape(value, quotes: true) + "\""
        }
        out += ">"
        if voidElements.contains(name.description) { return HTML(rendered: out) }
        for child in children { out += child.rendered }
        out += "</" + name.description + ">"
        return HTML(rendered: out)
    }

    /// `element` with a single text child.
    static func element(_ name: StaticString, _ attributes: [(StaticString, String)] = [], text: String) -> HTML {
        element(name, attributes, [.text(text)])
    }

    /// The fragments one after another.
    static func joined(_ parts: [HTML]) -> HTML {
        HTML(rendered: parts.map(\.rendered).joined())
    }

    static func + (left: HTML, right: HTML) -> HTML {
        HTML(rendered: left.rendered + right.rendered)
    }

    /// A whole document: the doctype, then `root`.
    var document: [UInt8] {
        Array(("<!DOCTYPE html>\n" + rendered).utf8)
    }

    private static let voidElements: Set<String> = ["meta", "link", "input", "br", "hr", "img"]

    /// The one escaping routine. In text, `&`, `<`, `>`; in an attribute, `"` and `'` as well.
    /// C0 controls (but tab, line feed), DEL and C1 controls become U+FFFD: HTML calls them
    /// parse errors, and a terminal-style escape in a friendly name should show as a mark.
    private static func escape(_ value: String, quotes: Bool) -> String {
        // Most values (SIDs, statuses, dates) need nothing: one pass over the bytes says so. A
        // byte 0xC2 may start a C1 control, so it takes the careful path too.
        let plain = value.utf8.allSatisfy { byte in
            byte >= 0x20 && byte != 0x26 && byte != 0x3C && byte != 0x3E && byte != 0x22 && byte != 0x27 && byte != 0x7F && byte != 0xC2
        }
        if plain { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where quotes: out += "&quot;"
            case "'" where quotes: out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value): out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Percent-encoding for the values the pages put in their own links (a SID, a filter, a cursor).
enum URLComponent {
    /// Every byte but the unreserved ones (RFC 3986) as `%XX`: safe in a path segment and a query value.
    static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// `path?name=value&…`, values encoded, nil values left out.
    static func link(_ path: String, _ parameters: [(String, String?)]) -> String {
        let query = parameters.compactMap { name, value in value.map { name + "=" + encode($0) } }
        return query.isEmpty ? path : path + "?" + query.joined(separator: "&")
    }
}
