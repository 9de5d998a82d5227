import NIOHTTP1
import Testing

@testable import JunctionHTTP

/// The per-connection reader of `Authorization` headers gives, request after request, exactly what a full
/// parse of each header gives (the same fields, the same signature, the same refusal), whether or not it
/// could reuse the previous parse.
@Suite("SQS credential reader")
struct SQSCredentialReaderTests {
    static func header(
        date: String = "20261206", signed: String = "content-type;host;x-amz-date", signature: String
    )
        -> String
    {
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\(date)/us-east-1/sqs/aws4_request, SignedHeaders=\(signed), "
            + "Signature=\(signature)"
    }

    static let first = String(repeating: "a1", count: 32)
    static let second = String(repeating: "0f", count: 32)

    @Test func eachRequestReadsAsAFullParseWould() {
        let headers: [String] = [
            Self.header(signature: Self.first),
            // Same scope and signed headers, a new signature (upper-case hex is read in lower case).
            Self.header(signature: Self.second.uppercased()),
            Self.header(signature: Self.first),
            // Another date, then other signed headers: the fields must change with them.
            Self.header(date: "20261207", signature: Self.second),
            Self.header(date: "20261207", signed: "host;x-amz-date", signature: Self.second),
            // A tail that is not a signature of 64 hex digits: a full parse decides.
            Self.header(date: "20261207", signed: "host;x-amz-date", signature: String(repeating: "z", count: 64)),
            Self.header(date: "20261207", signed: "host;x-amz-date", signature: "abc"),
            // The signature not last, then a malformed header of the cached length.
            "AWS4-HMAC-SHA256 Signature=\(Self.first), Credential=AKIDEXAMPLE/20261207/us-east-1/sqs/aws4_request, "
                + "SignedHeaders=host;x-amz-date",
            Self.header(date: "20261207", signed: "host;x-amz-date", signature: Self.first),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/sqs/aws4_request; SignedHeaders=host;x-amz-"
                + "date, Signature=\(Self.first)",
            Self.header(date: "20261207", signed: "host;x-amz-date", signature: Self.second),
        ]
        var reader = SQSCredentialReader()
        for header in headers {
            let request: HTTPHeaders = ["Authorization": header]
            let direct = Result { () throws(SQSSignatureV4.Failure) in try SQSSignatureV4.credential(from: request) }
            let read = Result { () throws(SQSSignatureV4.Failure) in try reader.credential(from: request) }
            #expect(read == direct, "\(header)")
        }
        #expect(throws: SQSSignatureV4.Failure.missing) { try reader.credential(from: [:]) }
    }
}
