import Foundation

/// An address with an optional display name, as in `From: Statushook <alerts@example.com>`.
public struct SMTPMailbox: Sendable, Equatable {
    public var address: String
    /// Any text: encoded as RFC 2047 words when it is not plain ASCII.
    public var displayName: String?

    public init(_ address: String, displayName: String? = nil) {
        self.address = address
        self.displayName = displayName
    }
}

/// A plain-text email, rendered as RFC 5322 bytes ready for `DATA` (before dot-stuffing).
///
/// Rendering is pure and total over values: CR, LF, NUL and other controls in a subject,
/// display name or header value become spaces, so no value can add a header or end the
/// message; addresses and Message-IDs that cannot be made safe are refused with an error.
/// The body is UTF-8 text, sent quoted-printable (7-bit, lines of at most 76 characters).
public struct SMTPMessage: Sendable, Equatable {
    /// An additional header such as `Auto-Submitted: auto-generated` (unstructured text).
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Headers the message writes itself; an extra header may not repeat them.
    static let reservedHeaders: Set<String> = [
        "date", "from", "to", "cc", "bcc", "subject", "message-id", "in-reply-to", "references",
        "mime-version", "content-type", "content-transfer-encoding",
    ]

    public var from: SMTPMailbox
    /// May be empty (every recipient then is a Bcc of the envelope).
    public var to: [SMTPMailbox]
    public var subject: String
    public var body: String
    public var date: Date
    /// `left@right`, without angle brackets (given ones are stripped).
    public var messageID: String
    /// The Message-ID this one answers, so mail clients thread them.
    public var inReplyTo: String?
    public var references: [String]
    public var extraHeaders: [Header]

    /// A `messageID` of nil makes a random one in the domain of `from`.
    public init(
        from: SMTPMailbox,
        to: [SMTPMailbox],
        subject: String,
        body: String,
        date: Date = Date(),
        messageID: String? = nil,
        inReplyTo: String? = nil,
        references: [String] = [],
        extraHeaders: [Header] = []
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.messageID = messageID ?? Self.randomMessageID(domain: from.address)
        self.inReplyTo = inReplyTo
        self.references = references
        self.extraHeaders = extraHeaders
    }

    /// `<uuid>@<domain of address>` (or `@localhost`).
    public static func randomMessageID(domain address: String) -> String {
        let domain = address.split(separator: "@").last.map(String.init) ?? ""
        let valid = address.contains("@") && SMTPAddress.isDomain(Substring(domain))
        return "\(UUID().uuidString.lowercased())@\(valid ? domain : "localhost")"
    }

    /// The message as CRLF-terminated bytes: headers, a blank line, the encoded body.
    public func rendered() throws(SMTPError) -> [UInt8] {
        var head = HeaderEncoding.fold("Date", [RFC5322Date.format(date)])
        head += HeaderEncoding.fold("From", try Self.mailboxTokens([from], role: "From"))
        if !to.isEmpty {
            head += HeaderEncoding.fold("To", try Self.mailboxTokens(to, role: "To"))
        }
        head += HeaderEncoding.unstructured("Subject", subject)
        head += HeaderEncoding.fold("Message-ID", [try Self.messageIDToken(messageID, header: "Message-ID")])
        if let inReplyTo {
            head += HeaderEncoding.fold("In-Reply-To", [try Self.messageIDToken(inReplyTo, header: "In-Reply-To")])
        }
        if !references.isEmpty {
            var tokens: [String] = []
            for reference in references {
                tokens.append(try Self.messageIDToken(reference, header: "References"))
            }
            head += HeaderEncoding.fold("References", tokens)
        }
        for header in extraHeaders {
            try Self.validateHeaderName(header.name)
            head += HeaderEncoding.unstructured(header.name, header.value)
        }
        head += "MIME-Version: 1.0\r\n"
        head += "Content-Type: text/plain; charset=utf-8\r\n"
        head += "Content-Transfer-Encoding: quoted-printable\r\n"
        head += "\r\n"
        return Array(head.utf8) + QuotedPrintable.encode(body)
    }

    /// `Name <a@b>,` tokens for an address header; the folder may break between any two.
    static func mailboxTokens(_ mailboxes: [SMTPMailbox], role: String) throws(SMTPError) -> [String] {
        var tokens: [String] = []
        for (index, mailbox) in mailboxes.enumerated() {
            try SMTPAddress.validate(mailbox.address, role: role)
            let name = mailbox.displayName.map(HeaderEncoding.phrase) ?? []
            var group = name.isEmpty ? [mailbox.address] : name + ["<\(mailbox.address)>"]
            if index < mailboxes.count - 1 { group[group.count - 1] += "," }
            tokens += group
        }
        return tokens
    }

    static func messageIDToken(_ id: String, header: String) throws(SMTPError) -> String {
        let bare = id.hasPrefix("<") && id.hasSuffix(">") ? String(id.dropFirst().dropLast()) : id
        try SMTPAddress.validateMessageID(bare, header: header)
        return "<\(bare)>"
    }

    /// A field name (RFC 5322 §3.6.8: printable ASCII but `:`) that is not one we write.
    static func validateHeaderName(_ name: String) throws(SMTPError) {
        let valid = !name.isEmpty && name.utf8.count <= 76
            && name.unicodeScalars.allSatisfy { $0.value >= 33 && $0.value <= 126 && $0 != ":" }
        guard valid else {
            throw .invalidMessage("the header name \(SMTPAddress.quoted(name)) is not a valid field name")
        }
        guard !reservedHeaders.contains(name.lowercased()) else {
            throw .invalidMessage("the header \(name) is written by the message itself and cannot be added")
        }
    }
}
