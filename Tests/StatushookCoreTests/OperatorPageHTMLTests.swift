@testable import StatushookCore
import Testing

@Suite("Operator page HTML escaping")
struct OperatorPageHTMLTests {
    @Test("text escapes &, < and >, and leaves quotes (harmless in text) alone")
    func textContext() {
        #expect(HTML.text("<script>alert('x')</script> & \"y\"").rendered
            == "&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"y\"")
        #expect(HTML.text("&amp;").rendered == "&amp;amp;")
    }

    @Test("attribute values escape quotes of both kinds as well, and are always double-quoted")
    func attributeContext() {
        let html = HTML.element("a", [("href", "/x\" onmouseover=\"alert(1)"), ("title", "it's <b>&")], text: "x")
        #expect(html.rendered == "<a href=\"/x&quot; onmouseover=&quot;alert(1)\" title=\"it&#39;s &lt;b&gt;&amp;\">x</a>")
    }

    @Test("non-ASCII text passes as it is; control characters become U+FFFD")
    func unicodeAndControls() {
        #expect(HTML.text("é 日本 🎉 Ünïcødé").rendered == "é 日本 🎉 Ünïcødé")
        #expect(HTML.text("a\u{1B}[31mb\u{0}c\u{7F}\u{85}d\te\nf").rendered == "a\u{FFFD}[31mb\u{FFFD}c\u{FFFD}\u{FFFD}d\te\nf")
    }

    @Test("a very long hostile name is escaped whole, nothing cut or let through")
    func longNames() {
        let name = String(repeating: "<script>", count: 5_000)
        let rendered = HTML.element("td", text: name).rendered
        #expect(rendered.hasPrefix("<td>&lt;script&gt;") && rendered.hasSuffix("&lt;script&gt;</td>"))
        #expect(rendered.utf8.count == 5_000 * "&lt;script&gt;".utf8.count + "<td></td>".utf8.count)
        #expect(!rendered.contains("<script"))
    }

    @Test("void elements have no end tag; children of others are nested in order")
    func elements() {
        #expect(HTML.element("meta", [("charset", "utf-8")]).rendered == "<meta charset=\"utf-8\">")
        #expect(HTML.element("p", [], [.text("a"), .markup("<br>"), .text("b")]).rendered == "<p>a<br>b</p>")
        #expect(HTML.element("html").document == Array("<!DOCTYPE html>\n<html></html>".utf8))
    }

    @Test("link values are percent-encoded; unreserved characters stay")
    func urlComponents() {
        #expect(URLComponent.encode("a b&c=d/é\"<") == "a%20b%26c%3Dd%2F%C3%A9%22%3C")
        #expect(URLComponent.encode("BUab-_.~") == "BUab-_.~")
        #expect(URLComponent.link("/ui/profiles", [("status", "twilio-rejected"), ("kind", nil), ("q", "<x>")])
            == "/ui/profiles?status=twilio-rejected&q=%3Cx%3E")
        #expect(URLComponent.link("/ui/profiles", [("kind", nil)]) == "/ui/profiles")
    }

    @Test("shell words: a plain sink name as it is, anything else single-quoted")
    func shellWords() {
        #expect(OperatorPages.shellWord("ops-webhook_2.x") == "ops-webhook_2.x")
        #expect(OperatorPages.shellWord("a b'c") == "'a b'\\''c'")
    }
}
