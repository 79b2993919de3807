/// The signed `POST` for one delivery: headers and body, built without I/O.
public struct WebhookRequest: Sendable {
    /// In the order sent: `Content-Type`, `User-Agent`, `webhook-id`, `webhook-timestamp`,
    /// `webhook-signature`.
    public var headers: [(String, String)]
    /// The event's JSON, exactly the bytes signed.
    public var body: [UInt8]

    /// The `webhook-id` of a delivery: its id in decimal, the number `statushook deliveries`
    /// lists and `replay` takes. It is the same on every retry, so receivers can deduplicate by
    /// it, and it never holds the `.` the signed content uses as a separator.
    public static func messageID(deliveryID: Int64) -> String {
        String(deliveryID)
    }

    /// - Parameters:
    ///   - secrets: the current secret first, then the previous one during a rotation.
    ///   - timestamp: the attempt's time in unix seconds (not the event's: retries are re-signed).
    public init(deliveryID: Int64, body: [UInt8], secrets: [StandardWebhooksSecret], timestamp: Int64,
                userAgent: String = "statushook/\(StatushookVersion.current)") {
        let id = Self.messageID(deliveryID: deliveryID)
        self.body = body
        headers = [
            ("Content-Type", "application/json"),
            ("User-Agent", userAgent),
            ("webhook-id", id),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", StandardWebhooksSignature.header(id: id, timestamp: timestamp, body: body, secrets: secrets)),
        ]
    }

    /// The request for a delivery of a transition or of a notice, its body the payload's JSON.
    public init(payload: DeliveryPayload, secrets: [StandardWebhooksSecret], timestamp: Int64) {
        let deliveryID: Int64
        switch payload {
        case .transition(let event): deliveryID = event.deliveryID
        case .notice(let notice): deliveryID = notice.deliveryID
        }
        self.init(deliveryID: deliveryID, body: payload.json.bytes, secrets: secrets, timestamp: timestamp)
    }

    public init(event: TransitionEvent, secrets: [StandardWebhooksSecret], timestamp: Int64) {
        self.init(payload: .transition(event), secrets: secrets, timestamp: timestamp)
    }

    /// The value of header `name`, compared without regard to ASCII case.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }
}
