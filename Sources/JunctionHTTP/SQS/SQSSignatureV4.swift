import Crypto
import NIOHTTP1

/// AWS Signature Version 4 as SQS clients sign requests (`Authorization: AWS4-HMAC-SHA256 …`): the
/// canonical request, the string to sign and the derived signing key, checked against the secret of
/// the access key the request names. Pure: the secret lookup and the clock are the caller's.
struct SQSSignatureV4 {
    /// The parts of an `Authorization` header.
    struct Credential: Equatable {
        var accessKeyID: String
        var date: String
        var region: String
        var service: String
        var signedHeaders: [String]
        var signature: String
    }

    enum Failure: Error, Equatable {
        /// No or malformed `Authorization` header (`MissingAuthenticationToken` / `IncompleteSignature`).
        case missing
        case malformed(String)
        /// The signature does not match (`SignatureDoesNotMatch`).
        case mismatch
        /// `X-Amz-Date` too far from now (`RequestExpired`).
        case expired
    }

    /// Requests signed more than this far from the server's clock are refused, as AWS does (15 minutes).
    static let allowedSkewSeconds: Int64 = 15 * 60

    static func credential(from headers: HTTPHeaders) throws(Failure) -> Credential {
        guard let header = headers.first(name: "Authorization") else { throw .missing }
        let prefix = "AWS4-HMAC-SHA256 "
        guard header.hasPrefix(prefix) else { throw .malformed("only AWS4-HMAC-SHA256 signatures are supported") }
        // Three known fields, read from the header's bytes (every request has one: no dictionary, and no
        // Character iteration, whose grapheme breaking made this parse a visible part of a request's cost).
        let bytes = Array(header.utf8.dropFirst(prefix.utf8.count))
        var credential: ArraySlice<UInt8>?
        var signed: ArraySlice<UInt8>?
        var signature: ArraySlice<UInt8>?
        for part in bytes.split(separator: UInt8(ascii: ",")) {
            let trimmed = Self.trimBytes(part)
            guard let equals = trimmed.firstIndex(of: UInt8(ascii: "=")) else {
                throw .malformed("bad Authorization field")
            }
            let value = trimmed[(equals + 1)...]
            switch String(decoding: trimmed[..<equals], as: UTF8.self) {
            case "Credential": credential = value
            case "SignedHeaders": signed = value
            case "Signature": signature = value
            default: break
            }
        }
        guard let credential, let signed, let signature else {
            throw .malformed("Authorization needs Credential, SignedHeaders and Signature")
        }
        let scope = credential.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard scope.count == 5, scope[4].elementsEqual("aws4_request".utf8), !scope[0].isEmpty else {
            throw .malformed("Credential must be KEY/DATE/REGION/SERVICE/aws4_request")
        }
        func text(_ slice: ArraySlice<UInt8>) -> String { String(decoding: slice, as: UTF8.self) }
        func lowercased(_ slice: ArraySlice<UInt8>) -> String {
            String(decoding: slice.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
        return Credential(
            accessKeyID: text(scope[0]), date: text(scope[1]), region: text(scope[2]), service: text(scope[3]),
            signedHeaders: signed.split(separator: UInt8(ascii: ";")).map(lowercased),
            signature: lowercased(signature))
    }

    /// What a check needs from the request, computed without the secret (on the connection's loop, off the
    /// engine loop): the string to sign, or the failure the request's own headers already show. Failures
    /// are kept in the order `verify` reports them: `early` before the clock is looked at, `late` after.
    struct Prepared: Sendable {
        var early: Failure?
        var signedAt: Int64 = 0
        var late: Failure?
        var stringToSign: [UInt8] = []
    }

    /// Checks a request against `secret`. `nowSeconds` is Unix time.
    static func verify(
        method: String, target: String, headers: HTTPHeaders, body: some Collection<UInt8>,
        credential: Credential, secret: String, nowSeconds: Int64, signingKeys: SQSSigningKeyCache? = nil
    ) throws(Failure) {
        let prepared = Self.prepare(
            method: method, target: target, headers: headers, body: body, credential: credential)
        try Self.check(
            prepared, credential: credential, secret: secret, nowSeconds: nowSeconds, signingKeys: signingKeys)
    }

    /// The request's half of `verify`: hashes of the body and the canonical request (most of the cost).
    static func prepare(
        method: String, target: String, headers: HTTPHeaders, body: some Collection<UInt8>, credential: Credential
    ) -> Prepared {
        guard let amzDate = headers.first(name: "X-Amz-Date"), let signedAt = Self.unixTime(amzDate) else {
            return Prepared(early: .malformed("X-Amz-Date is missing or malformed"))
        }
        guard amzDate.hasPrefix(credential.date) else {
            return Prepared(early: .malformed("the credential date is not X-Amz-Date's"))
        }
        guard credential.signedHeaders.contains("host") else {
            return Prepared(signedAt: signedAt, late: .malformed("the host header must be signed"))
        }
        // The body is always hashed: a client's `x-amz-content-sha256` must name the body that came, or a
        // signed request could be replayed with another body.
        // Hashed in place when the bytes are contiguous (a request's buffer is): no copy of a 256 KiB body.
        var bodyHash = SHA256()
        if body.withContiguousStorageIfAvailable({ bodyHash.update(bufferPointer: UnsafeRawBufferPointer($0)) }) == nil
        {
            bodyHash.update(data: Array(body))
        }
        let payloadDigest = bodyHash.finalize()
        if let declared = headers.first(name: "x-amz-content-sha256"),
            !Self.isHex(of: payloadDigest, declared.lowercased())
        {
            return Prepared(signedAt: signedAt, late: .mismatch)
        }
        let canonical = Self.canonicalRequest(
            method: method, target: target, headers: headers, signedHeaders: credential.signedHeaders,
            payloadDigest: payloadDigest)
        var stringToSign: [UInt8] = []
        stringToSign.reserveCapacity(160)
        // Appended part by part: an interpolated scope `String` and an array of the parts were allocations of
        // their own on every request.
        let newline = UInt8(ascii: "\n")
        let slash = UInt8(ascii: "/")
        stringToSign += "AWS4-HMAC-SHA256".utf8
        stringToSign.append(newline)
        stringToSign += amzDate.utf8
        stringToSign.append(newline)
        stringToSign += credential.date.utf8
        stringToSign.append(slash)
        stringToSign += credential.region.utf8
        stringToSign.append(slash)
        stringToSign += credential.service.utf8
        stringToSign += "/aws4_request".utf8
        stringToSign.append(newline)
        Self.appendHex(SHA256.hash(data: canonical), to: &stringToSign)
        return Prepared(signedAt: signedAt, stringToSign: stringToSign)
    }

    /// The secret's half of `verify`: the clock, then one HMAC with the (cached) signing key.
    static func check(
        _ prepared: Prepared, credential: Credential, secret: String, nowSeconds: Int64,
        signingKeys: SQSSigningKeyCache? = nil
    ) throws(Failure) {
        if let early = prepared.early { throw early }
        guard abs(nowSeconds - prepared.signedAt) <= Self.allowedSkewSeconds else { throw .expired }
        if let late = prepared.late { throw late }
        let key =
            signingKeys?.key(for: credential, secret: secret)
            ?? SQSSigningKey(Self.signingKey(credential, secret: secret))
        guard Self.isHex(of: key.authenticationCode(for: prepared.stringToSign), credential.signature) else {
            throw .mismatch
        }
    }

    /// `isHex(of:_:)` over a digest's bytes in place: iterating it as a `Sequence` allocates an iterator.
    static func isHex(of digest: SHA256Digest, _ text: String) -> Bool {
        digest.withUnsafeBytes { Self.isHex(of: $0, text) }
    }

    /// Whether `text` is the lowercase hex of `digest`, in constant time (the answer's timing says nothing
    /// about how much of a guess was right). Byte by byte over both buffers: no hex `String` is made, and no
    /// pair of `UTF8View` iterators walked (that was ~1% of the engine loop's SQS work).
    static func isHex(of digest: some Sequence<UInt8>, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { characters in
            var difference: UInt8 = 0
            var index = 0
            for byte in digest {
                // Only the length is told by returning early, as by comparing it.
                guard 2 * index + 1 < characters.count else { return false }
                let high = byte >> 4
                let low = byte & 15
                // 0–9 → '0'–'9', 10–15 → 'a'–'f'.
                difference |= (high < 10 ? 0x30 + high : 0x57 + high) ^ characters[2 * index]
                difference |= (low < 10 ? 0x30 + low : 0x57 + low) ^ characters[2 * index + 1]
                index += 1
            }
            return difference == 0 && characters.count == 2 * index
        }
    }

    /// The key a request of this date, region and service is signed with (four HMACs from the secret).
    static func signingKey(_ credential: Credential, secret: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(secret)".utf8))
        for part in [credential.date, credential.region, credential.service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters (and `/` in paths).
    static func encode(_ bytes: [UInt8], keepingSlash: Bool) -> String {
        var output = ""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlash:
                output.append("/")
            default:
                let digits = Array("0123456789ABCDEF".utf8)
                output.append("%")
                output.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
                output.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 15)]))
            }
        }
        return output
    }

    /// Percent-decoding (`+` is a space in form bodies, not in URLs: callers of form data replace it first).
    static func decode(_ text: Substring) -> [UInt8] {
        var output: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%"), bytes.count >= 2,
                let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16)
            {
                output.append(value)
                bytes = bytes.dropFirst(2)
            } else {
                output.append(byte)
            }
        }
        return output
    }

    /// Spaces and tabs off both ends.
    private static func trimBytes(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice.removeFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice.removeLast() }
        return slice
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        // Digests do not report their length as a Sequence: take the bytes first.
        let bytes = Array(bytes)
        return bytes.withUnsafeBytes { Self.hex(bytes: $0) }
    }

    /// A digest's hex from its bytes in place: iterating a swift-crypto digest as a `Sequence` allocates an
    /// iterator, and `Array(digest)` an array (two allocations per digest, two digests per request).
    static func hex(_ digest: SHA256Digest) -> String { digest.withUnsafeBytes { Self.hex(bytes: $0) } }

    private static func hex(bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { output in
            Self.writeHex(bytes, into: UnsafeMutableRawBufferPointer(output))
            return bytes.count * 2
        }
    }

    /// Appends the lowercase hex of `digest` to `output`.
    static func appendHex(_ digest: SHA256Digest, to output: inout [UInt8]) {
        digest.withUnsafeBytes { bytes in
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: 2 * bytes.count))
            output.withUnsafeMutableBytes {
                Self.writeHex(bytes, into: UnsafeMutableRawBufferPointer(rebasing: $0[start...]))
            }
        }
    }

    /// The lowercase hex of `bytes` at the start of `output` (at least twice as long).
    static func writeHex(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        let digits: StaticString = "0123456789abcdef"
        for (index, byte) in bytes.enumerated() {
            output[2 * index] = digits.utf8Start[Int(byte >> 4)]
            output[2 * index + 1] = digits.utf8Start[Int(byte & 15)]
        }
    }

    /// `20261205T101500Z` → Unix seconds.
    static func unixTime(_ amzDate: String) -> Int64? {
        let bytes = Array(amzDate.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? { Int64(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm), so no calendar API is needed.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        return days * 86400 + hour * 3600 + minute * 60 + second
    }
}
