import Hashing

/// Checks a callback's `X-Twilio-Signature` (docs/contract.md §1.2–1.5).
public enum SignatureCheck {
    /// Checks `signatureHeader` against every candidate: each token × each URL variant.
    ///
    /// `url` is the full signed URL (public base + raw path and query exactly as received);
    /// `form` is the decoded body when the caller already has it (decoded from `rawBody` if nil).
    /// Every candidate is computed and compared in constant time, so the time taken says nothing
    /// about which token or variant came close. For a JSON body, a URL without `bodySHA256` is
    /// reported before the signature (it could never be valid and says what to fix), and a body
    /// that does not match a valid signature's hash after it (the body changed in transit).
    public static func verify(
        signatureHeader: String?,
        url: String,
        kind: CallbackBodyKind,
        rawBody: [UInt8],
        form: FormBody?,
        tokens: [String]
    ) -> SignatureVerdict {
        let header = signatureHeader.map { Array($0.utf8).trimmingASCIIWhitespace() } ?? []
        guard !header.isEmpty else { return .missing }

        let pairs: [FormPair]
        var bodyHash: [UInt8]? = nil
        switch kind {
        case .form:
            pairs = (form ?? FormBody.decode(rawBody)).pairs
        case .json:
            guard let hash = bodySHA256(in: url) else { return .bodyHashMissing }
            bodyHash = hash
            pairs = []
        }

        let parameters = TwilioSignature.canonicalParameters(pairs)
        let variants = TwilioSignature.urlVariants(url)
        var matched = false
        for token in tokens {
            for candidate in variants {
                let expected = TwilioSignature.compute(url: candidate, canonicalParameters: parameters, token: token)
                matched = Digest.constantTimeEqual(Array(expected.utf8), header) || matched
            }
        }
        guard matched else { return .mismatch }

        if let bodyHash {
            let actual = Array(Digest.sha256Hex(rawBody).utf8)
            guard Digest.constantTimeEqual(actual, bodyHash) else { return .bodyHashMismatch }
        }
        return .valid
    }

    /// The first `bodySHA256` value of the URL's raw query, form-decoded as Twilio's libraries
    /// read it (Python's `parse_qs`); nil when the query has none.
    static func bodySHA256(in url: String) -> [UInt8]? {
        guard let query = SignedURLParts.rawQuery(of: url) else { return nil }
        return FormBody.decode(Array(query.utf8)).firstValue(named: "bodySHA256")
    }
}

fileprivate extension [UInt8] {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace around a value).
    func trimmingASCIIWhitespace() -> [UInt8] {
        let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return []
        }
        return Array(self[first...last])
    }
}
