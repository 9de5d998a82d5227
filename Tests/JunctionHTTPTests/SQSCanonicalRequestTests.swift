import Crypto
import NIOHTTP1
import Testing

@testable import JunctionHTTP

/// SigV4's canonical request, spelled out: the method, the path and the query (decoded, then encoded the
/// AWS way, pairs sorted by name then value), each signed header as `name:value` (values trimmed, runs of
/// spaces made one, repeated headers joined by commas, names matched in any case), the signed header list
/// and the payload hash, one per line.
@Suite("SQS SigV4 canonical request")
struct SQSCanonicalRequestTests {
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func canonical(
        _ method: String, _ target: String, _ headers: HTTPHeaders, _ signed: [String]
    ) -> String {
        String(
            decoding: SQSSignatureV4.canonicalRequest(
                method: method, target: target, headers: headers, signedHeaders: signed,
                payloadDigest: SHA256.hash(data: [UInt8]())),
            as: UTF8.self)
    }

    @Test func aPlainRequest() {
        #expect(
            Self.canonical(
                "GET", "/", ["Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z"], ["host", "x-amz-date"])
                == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                + Self.emptyHash)
    }

    @Test func pathQueryAndHeaderValuesAreCanonicalised() {
        let headers: HTTPHeaders = [
            "host": "localhost:9324", "X-CUSTOM": "  a   b\t ", "Content-Type": "application/x-amz-json-1.0",
            "x-custom": "c", "X-Unsigned": "ignored",
        ]
        #expect(
            Self.canonical(
                "POST", "/000000000000/queue%2Dname?b=2&a=1&a=0&c=%7e&d=a%20b&e", headers,
                ["content-type", "host", "x-custom"])
                == "POST\n/000000000000/queue-name\na=0&a=1&b=2&c=~&d=a%20b&e=\n"
                + "content-type:application/x-amz-json-1.0\nhost:localhost:9324\nx-custom:a b,c\n\n"
                + "content-type;host;x-custom\n" + Self.emptyHash)
    }

    @Test func anEmptyPathIsTheRootAndReservedPathBytesAreEncoded() {
        #expect(
            Self.canonical("GET", "?Action=ListQueues", ["Host": "h"], ["host"])
                == "GET\n/\nAction=ListQueues\nhost:h\n\nhost\n" + Self.emptyHash)
        #expect(
            Self.canonical("GET", "/a:b/c%20d", ["Host": "h"], ["host"])
                == "GET\n/a%3Ab/c%20d\n\nhost:h\n\nhost\n" + Self.emptyHash)
        // A path of unreserved bytes and slashes is taken as it is; one `%` sends it through decoding.
        #expect(
            Self.canonical("POST", "/000000000000/a-b_c.d~e", ["Host": "h"], ["host"])
                == "POST\n/000000000000/a-b_c.d~e\n\nhost:h\n\nhost\n" + Self.emptyHash)
        #expect(
            Self.canonical("POST", "/q%7e/%41", ["Host": "h"], ["host"])
                == "POST\n/q~/A\n\nhost:h\n\nhost\n" + Self.emptyHash)
    }
}
