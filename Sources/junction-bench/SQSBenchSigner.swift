import Crypto
import Foundation
import NIOCore

/// Signs SQS requests with AWS Signature Version 4 (what boto3 does): a POST to `/` with the AWS JSON 1.0
/// protocol, signing `content-type`, `host`, `x-amz-date` and `x-amz-target`. Each request costs the SHA-256 of
/// its body, the SHA-256 of its canonical request and one HMAC of its string to sign, as in any SDK; the
/// signing key is derived once per day (as the Java and Go SDKs cache it), with its HMAC pads.
///
/// Everything is put together as bytes (on the stack, then in the request's own buffer): the parts that only
/// change with the second (the date) are kept ready, and each request adds its target, body hash, signature
/// and length (joined Strings and `HTTPHeaders` were most of the signing and head cost after the body's hash).
struct SQSBenchSigner {
    let accessKey: String
    let secret: String
    let region: String
    let host: String
    private var keyDate = ""
    /// The day's signing key padded to SHA-256's block and XOR-ed with HMAC's inner and outer constants.
    private var innerPad: [UInt8] = []
    private var outerPad: [UInt8] = []
    /// The second the prefixes below were made for.
    private var dateSecond = -1
    /// `POST\n/\n\ncontent-type:…\nhost:…\nx-amz-date:…\nx-amz-target:`: the canonical request up to the target.
    private var canonicalPrefix: [UInt8] = []
    /// `AWS4-HMAC-SHA256\n<date>\n<scope>\n`: the string to sign up to the canonical request's hash.
    private var stringToSignPrefix: [UInt8] = []
    /// The HTTP head up to the `X-Amz-Target` value, in the order and spelling NIO's encoder wrote it.
    private var headPrefix: [UInt8] = []
    /// From the end of the target line to the signature's value.
    private var authorizationPrefix: [UInt8] = []

    static let signedHeaders = "content-type;host;x-amz-date;x-amz-target"

    init(accessKey: String, secret: String, region: String, host: String) {
        self.accessKey = accessKey
        self.secret = secret
        self.region = region
        self.host = host
    }

    /// Writes the HTTP/1.1 head of a signed request with `target` (`AmazonSQS.SendMessageBatch`) and `body`:
    /// `Host`, `Content-Type`, `X-Amz-Date`, `X-Amz-Target`, `Authorization` and `Content-Length`.
    mutating func writeHead(target: StaticString, body: ByteBuffer, into head: inout ByteBuffer) {
        self.refresh(second: time(nil))
        // The body is hashed where it lies, in the request's buffer.
        // `update(bufferPointer:)`, not `hash(data:)`: the generic `DataProtocol` path is not specialised
        // across modules and looked up type metadata at run time on every call.
        var bodyHasher = SHA256()
        body.withUnsafeReadableBytes { bodyHasher.update(bufferPointer: $0) }
        let bodyHash = bodyHasher.finalize()
        let signedPart = "\n\ncontent-type;host;x-amz-date;x-amz-target\n" as StaticString
        // The canonical request and the string to sign are put together on the stack: through a `ByteBuffer`
        // each piece paid a capacity, a uniqueness and an exclusivity check.
        let scratchSize =
            max(
                self.canonicalPrefix.count + target.utf8CodeUnitCount + signedPart.utf8CodeUnitCount,
                self.stringToSignPrefix.count) + 64
        let signature = withUnsafeTemporaryAllocation(byteCount: scratchSize, alignment: 1) { scratch in
            var canonical = SQSBenchBytes(scratch)
            canonical.put(self.canonicalPrefix)
            canonical.put(target)
            canonical.put(signedPart)
            bodyHash.withUnsafeBytes { canonical.putHex($0) }
            var canonicalHasher = SHA256()
            canonicalHasher.update(bufferPointer: canonical.written)
            let canonicalHash = canonicalHasher.finalize()
            var stringToSign = SQSBenchBytes(scratch)
            stringToSign.put(self.stringToSignPrefix)
            canonicalHash.withUnsafeBytes { stringToSign.putHex($0) }
            // HMAC-SHA256 (RFC 2104) of the string to sign: the inner hash over the key's inner pad and the
            // string, the outer over the outer pad and the inner digest. Written out because CryptoKit's
            // `HMAC(key:)` builds the pads anew (arrays, a `SymmetricKey`) through unspecialised generic code on
            // every call: 11% of the client's CPU, for two blocks of XOR.
            var inner = SHA256()
            self.innerPad.withUnsafeBytes { inner.update(bufferPointer: $0) }
            inner.update(bufferPointer: stringToSign.written)
            var outer = SHA256()
            self.outerPad.withUnsafeBytes { outer.update(bufferPointer: $0) }
            inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
            return outer.finalize()
        }
        let headSize =
            self.headPrefix.count + target.utf8CodeUnitCount + self.authorizationPrefix.count + 64 + 40
        head.writeWithUnsafeMutableBytes(minimumWritableBytes: headSize) { output in
            var bytes = SQSBenchBytes(output)
            bytes.put(self.headPrefix)
            bytes.put(target)
            bytes.put(self.authorizationPrefix)
            signature.withUnsafeBytes { bytes.putHex($0) }
            bytes.put("\r\nContent-Length: ")
            bytes.putDecimal(body.readableBytes)
            bytes.put("\r\n\r\n")
            return bytes.count
        }
    }

    /// Remakes the prefixes when the second changes and the signing key when the day changes.
    private mutating func refresh(second: Int) {
        guard second != self.dateSecond else { return }
        self.dateSecond = second
        let amzDate = Self.amzDate(second)
        let date = String(amzDate.prefix(8))
        if date != self.keyDate {
            var key = SymmetricKey(data: Array("AWS4\(self.secret)".utf8))
            for part in [date, self.region, "sqs", "aws4_request"] {
                key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
            }
            // The key (32 bytes) is shorter than SHA-256's 64-byte block, so HMAC pads it with zeros.
            var block = key.withUnsafeBytes { Array($0) }
            block += [UInt8](repeating: 0, count: max(0, 64 - block.count))
            self.innerPad = block.map { $0 ^ 0x36 }
            self.outerPad = block.map { $0 ^ 0x5c }
            self.keyDate = date
        }
        let scope = "\(date)/\(self.region)/sqs/aws4_request"
        self.canonicalPrefix = Array(
            "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:\(self.host)\nx-amz-date:\(amzDate)\nx-amz-target:"
                .utf8)
        self.stringToSignPrefix = Array("AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n".utf8)
        self.headPrefix = Array(
            ("POST / HTTP/1.1\r\nHost: \(self.host)\r\nContent-Type: application/x-amz-json-1.0\r\n"
                + "X-Amz-Date: \(amzDate)\r\nX-Amz-Target: ").utf8)
        self.authorizationPrefix = Array(
            ("\r\nAuthorization: AWS4-HMAC-SHA256 Credential=\(self.accessKey)/\(scope), "
                + "SignedHeaders=\(Self.signedHeaders), Signature=").utf8)
    }

    static func amzDate(_ second: Int) -> String {
        var time = time_t(second)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}

/// Appends bytes at a cursor in memory the caller sized: no capacity, uniqueness or exclusivity check per
/// piece, which each `ByteBuffer` write makes (a request's head and signature are a dozen pieces).
struct SQSBenchBytes {
    private let output: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ output: UnsafeMutableRawBufferPointer) {
        self.output = output
    }

    var written: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: self.output[0..<self.count]) }

    mutating func put(_ bytes: UnsafeRawBufferPointer) {
        precondition(self.count + bytes.count <= self.output.count, "SQSBenchBytes: output too small")
        guard let source = bytes.baseAddress else { return }
        (self.output.baseAddress! + self.count).copyMemory(from: source, byteCount: bytes.count)
        self.count += bytes.count
    }

    mutating func put(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.put($0) }
    }

    mutating func put(_ text: StaticString) {
        self.put(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Lowercase hex of `bytes`.
    mutating func putHex(_ bytes: UnsafeRawBufferPointer) {
        precondition(self.count + 2 * bytes.count <= self.output.count, "SQSBenchBytes: output too small")
        SQSBenchJSON.hex(bytes, into: UnsafeMutableRawBufferPointer(rebasing: self.output[self.count...]))
        self.count += 2 * bytes.count
    }

    /// `number` (not negative) in decimal.
    mutating func putDecimal(_ number: Int) {
        var digits = 1
        var rest = number / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        precondition(self.count + digits <= self.output.count, "SQSBenchBytes: output too small")
        rest = number
        for index in stride(from: self.count + digits - 1, through: self.count, by: -1) {
            self.output[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        self.count += digits
    }
}
