import Crypto
import Foundation
import NIOCore

/// Signs SQS requests with AWS Signature Version 4 (what boto3 does): a POST to `/` with the AWS JSON 1.0
/// protocol, signing `content-type`, `host`, `x-amz-date` and `x-amz-target`. Each request costs the SHA-256 of
/// its body, the SHA-256 of its canonical request and one HMAC of its string to sign, as in any SDK; the
/// signing key is derived once per day (as the Java and Go SDKs cache it), with its HMAC pads.
///
/// Everything is written as bytes into reused buffers: the parts that only change with the second (the date)
/// are kept ready, and each request adds its target, body hash and signature (joined Strings and
/// `HTTPHeaders` were most of the signing and head cost after the body's hash).
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
    /// The canonical request, then the string to sign (reused: no allocation per request).
    private var scratch = ByteBuffer()

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
        self.scratch.clear()
        self.scratch.writeBytes(self.canonicalPrefix)
        self.scratch.writeStaticString(target)
        self.scratch.writeStaticString("\n\ncontent-type;host;x-amz-date;x-amz-target\n")
        bodyHash.withUnsafeBytes { Self.writeHex($0, into: &self.scratch) }
        var canonicalHasher = SHA256()
        self.scratch.withUnsafeReadableBytes { canonicalHasher.update(bufferPointer: $0) }
        let canonicalHash = canonicalHasher.finalize()
        self.scratch.clear()
        self.scratch.writeBytes(self.stringToSignPrefix)
        canonicalHash.withUnsafeBytes { Self.writeHex($0, into: &self.scratch) }
        // HMAC-SHA256 (RFC 2104) of the string to sign: the inner hash over the key's inner pad and the string,
        // the outer over the outer pad and the inner digest. Written out because CryptoKit's `HMAC(key:)`
        // builds the pads anew (arrays, a `SymmetricKey`) through unspecialised generic code on every call:
        // 11% of the client's CPU, for two blocks of XOR.
        var inner = SHA256()
        self.innerPad.withUnsafeBytes { inner.update(bufferPointer: $0) }
        self.scratch.withUnsafeReadableBytes { inner.update(bufferPointer: $0) }
        var outer = SHA256()
        self.outerPad.withUnsafeBytes { outer.update(bufferPointer: $0) }
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        let signature = outer.finalize()
        head.writeBytes(self.headPrefix)
        head.writeStaticString(target)
        head.writeBytes(self.authorizationPrefix)
        signature.withUnsafeBytes { Self.writeHex($0, into: &head) }
        head.writeStaticString("\r\nContent-Length: ")
        SQSBenchJSON.writeDecimal(body.readableBytes, into: &head)
        head.writeStaticString("\r\n\r\n")
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

    /// Lowercase hex of `bytes`, written in one step into `buffer`.
    static func writeHex(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 2 * bytes.count) { output in
            SQSBenchJSON.hex(bytes, into: output)
            return 2 * bytes.count
        }
    }
}
