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
        let canonical = [
            "POST", "/", "",
            "content-type:application/x-amz-json-1.0\nhost:\(self.host)\nx-amz-date:\(amzDate)\nx-amz-target:\(target)\n",
            signedHeaders, Self.hex(SHA256.hash(data: body)),
        ].joined(separator: "\n")
        let scope = "\(date)/\(self.region)/sqs/aws4_request"
        let stringToSign =
            "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(Self.hex(SHA256.hash(data: Array(canonical.utf8))))"
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: self.signingKey))
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
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 15)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
