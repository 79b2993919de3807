/// Why a signed callback cannot be recorded (answered 400), in words an operator can act on.
public struct CallbackContentError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
