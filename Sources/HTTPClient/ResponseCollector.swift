/// What libcurl's callbacks gather during one exchange; they reach it through their `void *`.
final class ResponseCollector {
    private let maximumBodyBytes: Int
    private(set) var headers = ResponseHeaderParser()
    private(set) var body: [UInt8] = []

    init(maximumBodyBytes: Int) {
        self.maximumBodyBytes = maximumBodyBytes
    }

    func consumeHeaderLine(_ line: UnsafeRawBufferPointer) {
        headers.consume(line)
    }

    /// Keeps the first `maximumBodyBytes`; the rest is read (so the connection stays reusable)
    /// and dropped.
    func consumeBody(_ chunk: UnsafeRawBufferPointer) {
        let room = maximumBodyBytes - body.count
        if room > 0 {
            body.append(contentsOf: chunk.prefix(room))
        }
    }
}
