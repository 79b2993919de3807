/// The words of the email for one transition (PRODUCT §2): the subject names the profile, its
/// SID and the new status; the text says what changed, from what, when, why and with which
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
        subject = "\(profile) is now \(event.to)"
        threadID = "<\(event.sid).profile@\(domain)>"
        messageID = "<delivery-\(event.deliveryID).\(event.sid)@\(domain)>"

        var lines = ["Customer profile \(profile) changed status.", ""]
        lines.append("  From:     \(event.from ?? "(first seen)")")
        lines.append("  To:       \(event.to)")
        lines.append("  When:     \(event.occurredAt)")
        if let reason = event.failureReason {
            lines.append("  Reason:   \(reason)")
            let codes = Self.errorCodes(in: reason)
            if !codes.isEmpty {
                lines.append("  Codes:    " + codes.map { "\($0) (https://www.twilio.com/docs/errors/\($0))" }.joined(separator: ", "))
            }
        }
        if let account = event.accountSid { lines.append("  Account:  \(account)") }
        lines.append("  SID:      \(event.sid)")
        if event.unexpected {
            lines += ["", "This transition is not one Twilio documents for this status: check the profile in the console."]
        }
        if event.to == "twilio-rejected" {
            lines += ["", "A rejected profile must be fixed and resubmitted for review."]
        }
        lines += ["", "-- ", "statushook, transition TR\(event.transitionID), delivery \(event.deliveryID)"]
        text = lines.joined(separator: "\n") + "\n"
    }

    /// Twilio error codes (five digits, e.g. 18601) mentioned in a failure reason, in order, once each.
    static func errorCodes(in reason: String) -> [String] {
        var codes: [String] = []
        var digits = ""
        for character in reason + " " {
            if character.isASCII && character.isNumber {
                digits.append(character)
                continue
            }
            if digits.count == 5 && !codes.contains(digits) { codes.append(digits) }
            digits = ""
        }
        return codes
    }
}
