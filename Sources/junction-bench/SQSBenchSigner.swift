import Crypto
import Foundation

/// Signs SQS requests with AWS Signature Version 4 (what boto3 does): a POST to `/` with the AWS JSON 1.0
/// protocol, signing `content-type`, `host`, `x-amz-date` and `x-amz-target`. The signing key is derived once
/// per day; each request costs two SHA-256 digests and one HMAC, as in any SDK.
struct SQSBenchSigner {
    let accessKey: String
    let secret: String
    let region: String
    let host: String
    private var keyDate = ""
    private var signingKey = SymmetricKey(size: .bits256)
    /// `X-Amz-Date` of the second `dateSecond` (formatting a date every request was a visible client cost).
    private var dateSecond = -1
    private var cachedDate = ""

    init(accessKey: String, secret: String, region: String, host: String) {
        self.accessKey = accessKey
        self.secret = secret
        self.region = region
        self.host = host
    }

    /// The `X-Amz-Date` and `Authorization` headers of a request with `target` (`AmazonSQS.SendMessageBatch`)
    /// and `body`.
    mutating func sign(target: String, body: [UInt8]) -> (amzDate: String, authorization: String) {
        let second = time(nil)
        if second != self.dateSecond {
            self.dateSecond = second
            self.cachedDate = Self.amzDate(Date(timeIntervalSince1970: TimeInterval(second)))
        }
        let amzDate = self.cachedDate
        let date = String(amzDate.prefix(8))
        if date != self.keyDate {
            var key = SymmetricKey(data: Array("AWS4\(self.secret)".utf8))
            for part in [date, self.region, "sqs", "aws4_request"] {
                key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
            }
            self.signingKey = key
            self.keyDate = date
        }
        let signedHeaders = "content-type;host;x-amz-date;x-amz-target"
        // The canonical request and the string to sign as bytes, the form they are hashed in (joined Strings
        // were most of the signing cost after the body's hash).
        var canonical: [UInt8] = []
        canonical.reserveCapacity(320)
        canonical += "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:".utf8
        canonical += self.host.utf8
        canonical += "\nx-amz-date:".utf8
        canonical += amzDate.utf8
        canonical += "\nx-amz-target:".utf8
        canonical += target.utf8
        canonical += "\n\n\(signedHeaders)\n".utf8
        Self.appendHex(SHA256.hash(data: body), to: &canonical)
        let scope = "\(date)/\(self.region)/sqs/aws4_request"
        var stringToSign: [UInt8] = []
        stringToSign.reserveCapacity(160)
        stringToSign += "AWS4-HMAC-SHA256\n".utf8
        stringToSign += amzDate.utf8
        stringToSign.append(UInt8(ascii: "\n"))
        stringToSign += scope.utf8
        stringToSign.append(UInt8(ascii: "\n"))
        Self.appendHex(SHA256.hash(data: canonical), to: &stringToSign)
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: stringToSign, using: self.signingKey))
        return (
            amzDate,
            "AWS4-HMAC-SHA256 Credential=\(self.accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        )
    }

    static func amzDate(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        Self.appendHex(bytes, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    static func appendHex(_ bytes: some Sequence<UInt8>, to output: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        for byte in bytes {
            output.append(digits.utf8Start[Int(byte >> 4)])
            output.append(digits.utf8Start[Int(byte & 15)])
        }
    }
}
