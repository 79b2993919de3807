/// What ``OutboxStore/finish(_:outcome:decision:worker:startedAt:duration:noticeRecipients:on:)`` did.
public struct DeliveryFinish: Sendable, Equatable {
    /// False when the lease had been lost (swept, then perhaps claimed by another worker): the
    /// attempt was recorded, but the delivery's state was left to whoever holds it now.
    public var applied: Bool
    /// Set when this attempt paused the sink: why. The other sinks have been sent a notice.
    public var pauseReason: String?
    /// How many deliveries of the pause notice were queued (one per other active sink).
    public var noticeDeliveries: Int

    public init(applied: Bool, pauseReason: String? = nil, noticeDeliveries: Int = 0) {
        self.applied = applied
        self.pauseReason = pauseReason
        self.noticeDeliveries = noticeDeliveries
    }

    /// True when this attempt paused the sink.
    public var pausedSink: Bool { pauseReason != nil }
}
