/// What a successful send delivered: a server may refuse some recipients and accept others.
public struct SMTPDeliveryReport: Sendable, Equatable {
    /// One recipient the server refused, with its reply.
    public struct Refusal: Sendable, Equatable {
        public var recipient: String
        public var reply: SMTPReply
        /// A `4yz` refusal: the same recipient may be accepted later.
        public var isTransient: Bool { reply.isTransientFailure }
    }

    public var accepted: [String]
    public var refused: [Refusal]
    /// The server's reply to the end of the message data (it usually carries a queue id).
    public var finalReply: SMTPReply
}
