/// How a callback's body is signed: a form body's parameters are signed, a JSON body through
/// the `bodySHA256` query parameter.
public enum CallbackBodyKind: Sendable, Equatable {
    case form
    case json
}
