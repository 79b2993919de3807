import Foundation
import HTTPClient

/// Runs blocking `body` on a thread of its own, off Swift's cooperative pool, as the client's
/// users do.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}

extension HTTPClient {
    /// `post` with its typed error kept, for tests that expect a failure.
    func attempt(url: String, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Duration = .seconds(5))
        -> Result<HTTPClientResponse, HTTPClientError> {
        Result { () throws(HTTPClientError) in try post(url: url, headers: headers, body: body, timeout: timeout) }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
