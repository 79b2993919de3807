/// The words of the email for one transition: the subject names the resource's kind, its name,
/// its SID and the new status; the text says what changed, from what, when, why and with which
/// error codes. Headers and encoding are the SMTP client's business.
public struct TransitionEmail: Sendable, Equatable {
    public var subject: String
    public var text: String
    /// The id every mail about one profile refers to (`In-Reply-To`, `References`), so that a
    /// mail client shows one thread per profile.
    public var threadID: String
    /// This mail's own `Message-ID`: unique per delivery.
    public var messageID: String

    /// `domain` names the sender's host in message ids (the `from` address's domain).
    public init(_ event: TransitionEvent, domain: String) {
        let profile = event.friendlyName.map { "\($0) (\(event.sid))" } ?? event.sid
        // The profile's own errors (enrichment) first, then any the callback's reason names.
        let codes = Self.merged(event.profile?.errorCodes ?? [], event.failureReason.map(Self.errorCodes(in:)) ?? [])
        subject = "\(Self.label(event.kind)) \(profile) is now \(event.to)" + (event.to == "twilio-rejected" && !codes.isEmpty ? ": " + codes.joined(separator: ", ") : "")
        threadID = "<\(event.sid).profile@\(domain)>"
        messageID = "<delivery-\(event.deliveryID).\(event.sid)@\(domain)>"

        var lines = [Self.headline(event, profile: profile, codes: codes), ""]
        lines.append("  From:     \(event.from ?? "(first seen)")")
        lines.append("  To:       \(event.to)")
        lines.append("  When:     \(event.occurredAt)")
        if let reason = event.failureReason {
            lines.append("  Reason:   \(reason)")
        }
        if !codes.isEmpty {
            lines.append("  Codes:    " + codes.map { "\($0) (https://www.twilio.com/docs/errors/\($0))" }.joined(separator: ", "))
        }
        if let account = event.accountSid { lines.append("  Account:  \(account)") }
        lines.append("  SID:      \(event.sid)")
        lines.append("  Kind:     \(event.kind?.displayName ?? "not known yet (a customer profile or a trust product)")")
        if let details = event.profile, details.enriched {
            if let email = details.email { lines.append("  Email:    \(email)") }
            if let policy = details.policySid { lines.append("  Policy:   \(policy)") }
            if let validUntil = details.validUntil { lines.append("  Valid until: \(validUntil)") }
        }
        if event.unexpected {
            lines += ["", "This transition is not one Twilio documents for this status: check the profile in the console."]
        }
        if event.to == "twilio-rejected" {
            lines += ["", "A rejected \(event.kind?.displayName ?? "profile") must be fixed and resubmitted for review."]
        }
        lines += ["", "-- ", "statushook, transition TR\(event.transitionID), delivery \(event.deliveryID)"]
        text = lines.joined(separator: "\n") + "\n"
    }

    /// "Customer profile Acme Corp (BU…) was rejected: 18601 …": the first line, the news in words.
    static func headline(_ event: TransitionEvent, profile: String, codes: [String]) -> String {
        let named = "\(label(event.kind)) \(profile)"
        switch event.to {
        case "twilio-rejected":
            var line = "\(named) was rejected"
            if !codes.isEmpty { line += ": " + codes.joined(separator: ", ") }
            if let reason = event.failureReason { line += (codes.isEmpty ? ": " : " ") + reason }
            return line
        case "twilio-approved": return "\(named) was approved."
        default: return "\(named) changed status."
        }
    }

    /// "Customer profile", "Trust product", or "Profile" while the kind is not known.
    static func label(_ kind: ResourceKind?) -> String {
        switch kind {
        case .customerProfile: "Customer profile"
        case .trustProduct: "Trust product"
        case nil: "Profile"
        }
    }

    static func merged(_ first: [String], _ second: [String]) -> [String] {
        first + second.filter { !first.contains($0) }
    }

    /// Twilio error codes (five digits, e.g. 18601) mentioned in a failure reason, in order, once
    /// each: a word of five digits, not digits inside a longer word (a SID's hex, `BU…c90972b…`).
    static func errorCodes(in reason: String) -> [String] {
        var codes: [String] = []
        var word = ""
        for character in reason + " " {
            if character.isLetter || character.isNumber {
                word.append(character)
                continue
            }
            if word.count == 5, word.allSatisfy({ $0.isASCII && $0.isNumber }), !codes.contains(word) { codes.append(word) }
            word = ""
        }
        return codes
    }
}
