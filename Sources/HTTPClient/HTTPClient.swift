import CCurl
import CCurlShim
import DurationUnits

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking HTTP client over one libcurl easy handle, so that connections to a host are kept
/// alive from one request to the next.
///
/// Calls block for up to their timeout, so a client belongs on a thread the caller owns, never on
/// Swift's cooperative pool: one client per thread. It is `@unchecked Sendable` so that it can be
/// created on one thread and handed to the thread that uses it; two threads must never call it
/// at once (libcurl's easy handles are not thread-safe).
public final class HTTPClient: @unchecked Sendable {
    /// The easy handle, reused by every request; `nil` when libcurl could not make one.
    private let handle: UnsafeMutableRawPointer?
    /// libcurl writes its detailed error text here; the handle points at it for its whole life.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// Why `handle` is `nil`, reported by every call.
    private let setupError: HTTPClientError?
    /// How much of a response body `post` keeps.
    public let maximumBodyBytes: Int

    /// - Parameters:
    ///   - caBundlePath: the PEM file of trusted certificate authorities; `nil` means
    ///     `$SSL_CERT_FILE` when set, else libcurl's default bundle.
    ///   - maximumBodyBytes: how much of each response body to keep.
    public init(userAgent: String = "statushook", caBundlePath: String? = nil, maximumBodyBytes: Int = 4096) {
        self.maximumBodyBytes = max(0, maximumBodyBytes)
        errorBuffer = .allocate(capacity: shk_curl_error_size)
        errorBuffer.initialize(repeating: 0, count: shk_curl_error_size)

        let globalResult = shk_curl_global_init_once()
        guard globalResult == CURLE_OK, let handle = curl_easy_init() else {
            self.handle = nil
            setupError = HTTPClientError(kind: .other, message: "libcurl could not be initialised: "
                                         + String(cString: curl_easy_strerror(globalResult)))
            return
        }
        self.handle = handle
        let caBundle = caBundlePath ?? Self.environment("SSL_CERT_FILE")
        setupError = Self.configure(handle, userAgent: userAgent, caBundle: caBundle, errorBuffer: errorBuffer)
    }

    deinit {
        if let handle {
            curl_easy_cleanup(handle)
        }
        errorBuffer.deallocate()
    }

    /// POST `body` to `url` with `headers`; never follows redirects; `timeout` bounds the whole
    /// exchange (connect included).
    ///
    /// Any HTTP status is a response, not an error: a `301` comes back as a `301`. libcurl's own
    /// `Expect: 100-continue` is never sent, so a receiver that ignores it costs no delay.
    public func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration)
        throws(HTTPClientError) -> HTTPClientResponse {
        try exchange(url: url, headers: headers + [("Expect", "")], body: body, timeout: timeout)
    }

    /// GET `url` with `headers`, on the same handle (and kept-alive connection) as `post`; never
    /// follows redirects; `timeout` bounds the whole exchange (connect included).
    ///
    /// Any HTTP status is a response, not an error. A body longer than `maximumBodyBytes` is cut
    /// there: a caller that must read it whole compares its length with that limit.
    public func get(url: String, headers: [(String, String)], timeout: Duration)
        throws(HTTPClientError) -> HTTPClientResponse {
        try exchange(url: url, headers: headers, body: nil, timeout: timeout)
    }

    /// One request on the kept handle: a POST of `body`, or a GET when it is `nil`. A header
    /// with an empty value is left out of the request altogether.
    private func exchange(url: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration)
        throws(HTTPClientError) -> HTTPClientResponse {
        if let setupError {
            throw setupError
        }
        guard let handle else {
            throw HTTPClientError(kind: .other, message: "no libcurl handle")
        }
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        for (name, value) in headers {
            try Self.checkHeader(name: name, value: value)
            // "Name:" with nothing after it tells libcurl to send no such header at all.
            let line = value.isEmpty ? "\(name):" : "\(name): \(value)"
            guard let appended = curl_slist_append(list, line) else {
                throw HTTPClientError(kind: .other, message: "out of memory building the request headers")
            }
            list = appended
        }

        let collector = ResponseCollector(maximumBodyBytes: maximumBodyBytes)
        let context = Unmanaged.passUnretained(collector).toOpaque()
        let milliseconds = Self.milliseconds(timeout)
        errorBuffer[0] = 0
        // HTTPGET undoes a previous POST on this handle (its method and body).
        var code = body == nil ? shk_curl_setopt_long(handle, CURLOPT_HTTPGET, 1) : CURLE_OK
        code = code == CURLE_OK ? shk_curl_setopt_string(handle, CURLOPT_URL, url) : code
        code = code == CURLE_OK ? shk_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list) : code
        code = code == CURLE_OK ? shk_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds) : code
        code = code == CURLE_OK ? shk_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds) : code
        code = code == CURLE_OK ? shk_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context) : code
        code = code == CURLE_OK ? shk_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context) : code
        if code == CURLE_OK, let body {
            code = body.withUnsafeBytes { shk_curl_set_post_body(handle, $0.baseAddress, $0.count) }
        }
        if code == CURLE_OK {
            code = withExtendedLifetime(collector) { curl_easy_perform(handle) }
        }
        // The handle outlives this call: leave it pointing at nothing that is about to go.
        _ = shk_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, nil)
        _ = shk_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, nil)
        _ = shk_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
        guard code == CURLE_OK else {
            throw error(code)
        }
        var status = 0
        _ = shk_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPClientResponse(status: status, headers: collector.headers.fields, body: collector.body)
    }

    /// The options every request shares; `nil` when all were accepted.
    private static func configure(_ handle: UnsafeMutableRawPointer, userAgent: String, caBundle: String?,
                                  errorBuffer: UnsafeMutablePointer<CChar>) -> HTTPClientError? {
        var failures: [String] = []
        func check(_ code: CURLcode, _ what: String) {
            if code != CURLE_OK {
                failures.append("\(what): \(String(cString: curl_easy_strerror(code)))")
            }
        }
        check(shk_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "error buffer")
        // Signals would interrupt the caller's threads (and timeouts rely on alarm() otherwise).
        check(shk_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "no signals")
        check(shk_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0), "no redirects")
        check(shk_curl_allow_only_http(handle), "http and https only")
        check(shk_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1), "verify the peer")
        check(shk_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2), "verify the host name")
        check(shk_curl_setopt_long(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1), "hide proxy headers")
        check(shk_curl_setopt_string(handle, CURLOPT_USERAGENT, userAgent), "user agent")
        if let caBundle {
            check(shk_curl_setopt_string(handle, CURLOPT_CAINFO, caBundle), "CA bundle")
        }
        check(shk_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let length = size * count
            if let data, let context {
                Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
                    .consumeBody(UnsafeRawBufferPointer(start: data, count: length))
            }
            return length
        }, "body callback")
        check(shk_curl_setopt_write_function(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let length = size * count
            if let data, let context {
                Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
                    .consumeHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
            }
            return length
        }, "header callback")
        return failures.isEmpty ? nil : HTTPClientError(kind: .other, message: "libcurl refused "
                                                        + failures.joined(separator: "; "))
    }

    private func error(_ code: CURLcode) -> HTTPClientError {
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        return HTTPClientError(kind: HTTPClientError.Kind(curlCode: code), message: message)
    }

    /// A field libcurl would send as given: a token for a name, no CR, LF or NUL in a value.
    /// The punctuation a header name (an RFC 9110 token) may hold besides letters and digits.
    private static let tokenPunctuation = Set("!#$%&'*+-.^_`|~".utf8)

    private static func checkHeader(name: String, value: String) throws(HTTPClientError) {
        let nameIsToken = !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || tokenPunctuation.contains(byte)
        }
        guard nameIsToken else {
            throw HTTPClientError(kind: .other, message: "invalid header name \"\(name)\"")
        }
        guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
            throw HTTPClientError(kind: .other, message: "the value of header \(name) holds CR, LF or NUL")
        }
    }

    /// At least one millisecond (libcurl reads 0 as "no timeout"), rounded up.
    private static func milliseconds(_ duration: Duration) -> Int {
        max(1, Int(clamping: duration.milliseconds(rounded: .up)))
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
