import CCurl
import CCurlShim

extension HTTPClient {
    /// GET `url` with `headers`, on the same handle (and kept-alive connection) as `post`; never
    /// follows redirects; `timeout` bounds the whole exchange (connect included).
    ///
    /// Any HTTP status is a response, not an error. A body longer than `maximumBodyBytes` is cut
    /// there: a caller that must read it whole compares its length with that limit.
    public func get(url: String, headers: [(String, String)], timeout: Duration)
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
            guard let appended = curl_slist_append(list, "\(name): \(value)") else {
                throw HTTPClientError(kind: .other, message: "out of memory building the request headers")
            }
            list = appended
        }

        let collector = ResponseCollector(maximumBodyBytes: maximumBodyBytes)
        let context = Unmanaged.passUnretained(collector).toOpaque()
        let milliseconds = Self.milliseconds(timeout)
        errorBuffer[0] = 0
        // HTTPGET undoes a previous `post` on this handle (its method and body).
        var code = shk_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        code = code == CURLE_OK ? shk_curl_setopt_string(handle, CURLOPT_URL, url) : code
        code = code == CURLE_OK ? shk_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list) : code
        code = code == CURLE_OK ? shk_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds) : code
        code = code == CURLE_OK ? shk_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds) : code
        code = code == CURLE_OK ? shk_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context) : code
        code = code == CURLE_OK ? shk_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context) : code
        if code == CURLE_OK {
            code = withExtendedLifetime(collector) { curl_easy_perform(handle) }
        }
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
}
