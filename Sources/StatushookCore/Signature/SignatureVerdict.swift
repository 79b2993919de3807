/// The outcome of checking `X-Twilio-Signature`; anything but `valid` is answered 403.
public enum SignatureVerdict: Sendable, Equatable {
    case valid
    /// No header, or an empty one.
    case missing
    /// No candidate (token × URL variant) gives the header's signature, or there is no token.
    case mismatch
    /// A JSON body whose URL carries no `bodySHA256` query parameter.
    case bodyHashMissing
    /// The signature matches but `bodySHA256` is not the lowercase hex SHA-256 of the body.
    case bodyHashMismatch
}
