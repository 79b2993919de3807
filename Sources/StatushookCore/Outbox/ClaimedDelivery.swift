/// A delivery this worker holds a lease on: what to send, to which sink, and which attempt it is.
public struct ClaimedDelivery: Sendable, Equatable {
    public var id: Int64
    public var sink: String
    /// 1 for the first attempt; ``DeliveryRules`` reads it against the schedule.
    public var attempt: Int
    /// The lease owner that claimed it; a finish from anyone else, or after the lease was lost, is not applied.
    public var owner: String
    public var payload: DeliveryPayload

    public init(id: Int64, sink: String, attempt: Int, owner: String, payload: DeliveryPayload) {
        self.id = id
        self.sink = sink
        self.attempt = attempt
        self.owner = owner
        self.payload = payload
    }
}

/// What a delivery carries: a profile's transition, or a notice for the operator.
public enum DeliveryPayload: Sendable, Equatable {
    case transition(TransitionEvent)
    case notice(SinkNotice)

    /// The body of a webhook or a log line.
    public var json: JSONValue {
        switch self {
        case .transition(let event): return event.json
        case .notice(let notice): return notice.json
        }
    }
}

/// "Sink X was paused": told to the operator through every other active sink.
public struct SinkNotice: Sendable, Equatable {
    public var deliveryID: Int64
    /// The notice: the same for every sink that is told (the event's `id`).
    public var noticeID: Int64
    /// The sink that was paused.
    public var sink: String
    public var reason: String
    /// RFC 3339, UTC.
    public var occurredAt: String

    public init(deliveryID: Int64, noticeID: Int64, sink: String, reason: String, occurredAt: String) {
        self.deliveryID = deliveryID
        self.noticeID = noticeID
        self.sink = sink
        self.reason = reason
        self.occurredAt = occurredAt
    }

    /// `{"type":"statushook.sink_paused","id","sink","reason","occurred_at"}`.
    public var json: JSONValue {
        .object([
            ("type", "statushook.sink_paused"),
            ("id", .string("NO\(noticeID)")),
            ("sink", .string(sink)),
            ("reason", .string(reason)),
            ("occurred_at", .string(occurredAt)),
        ])
    }
}
