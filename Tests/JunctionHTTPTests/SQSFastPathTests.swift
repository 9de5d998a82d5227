import Crypto
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import Logging
import NIOCore
import NIOHTTP1
import Testing

@testable import JunctionHTTP

/// The throughput work on the SQS API (issue 16) replaced general code with fast paths; these pin what the
/// fast paths must still do.
@Suite("SQS fast paths")
struct SQSFastPathTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let headers: HTTPHeaders = [
        "Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z",
        "Authorization":
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=host;x-amz-date, "
            + "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ]

    @Test func uuidsAreVersion4TextWithTheRFCVariant() {
        var seen = Set<String>()
        let identifiers = SQSIdentifiers()
        // 1000 ids cross several 4 KiB refills of the key stream (256 ids each).
        for _ in 0..<1000 {
            let id = identifiers.uuid()
            let bytes = Array(id.utf8)
            #expect(bytes.count == 36)
            #expect([8, 13, 18, 23].allSatisfy { bytes[$0] == UInt8(ascii: "-") })
            #expect(bytes[14] == UInt8(ascii: "4"))
            #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(bytes[19]))
            #expect(id.allSatisfy { $0 == "-" || $0.isHexDigit && !$0.isUppercase })
            seen.insert(id)
        }
        #expect(seen.count == 1000)
        // Each generator has its own random key: two never start alike.
        #expect(SQSIdentifiers().uuid() != SQSIdentifiers().uuid())
    }

    @Test func hexOfADigestHasTwoDigitsPerByte() {
        #expect(SQSSignatureV4.hex(Insecure.MD5.hash(data: Array("body".utf8))) == "841a2d689ad86bd1611447453c22c6fc")
        #expect(SQSSignatureV4.hex([0x00, 0x0F, 0xF0, 0xFF]) == "000ff0ff")
        #expect(SQSSignatureV4.hex([UInt8]()) == "")
    }

    /// A signature matches only the exact lowercase hex of the HMAC: every single-digit change, case change,
    /// truncation or extension is a mismatch.
    @Test func signaturesMatchOnlyTheExactLowercaseHex() {
        for seed in 0..<16 {
            let code = HMAC<SHA256>.authenticationCode(
                for: Array("string to sign \(seed)".utf8), using: SymmetricKey(data: Array("key".utf8)))
            let hex = SQSSignatureV4.hex(code)
            #expect(SQSSignatureV4.isHex(of: code, hex))
            #expect(!SQSSignatureV4.isHex(of: code, String(hex.dropLast())))
            #expect(!SQSSignatureV4.isHex(of: code, hex + "0"))
            #expect(!SQSSignatureV4.isHex(of: code, ""))
            if hex.contains(where: \.isLetter) { #expect(!SQSSignatureV4.isHex(of: code, hex.uppercased())) }
            var digits = Array(hex.utf8)
            for position in digits.indices {
                let original = digits[position]
                for replacement in Array("0123456789abcdefABCDEFg ".utf8) where replacement != original {
                    digits[position] = replacement
                    #expect(!SQSSignatureV4.isHex(of: code, String(decoding: digits, as: UTF8.self)))
                }
                digits[position] = original
            }
        }
    }

    /// A client's `x-amz-content-sha256` is checked against the body: it cannot stand in for a body that
    /// was not signed.
    @Test func aDeclaredPayloadHashMustBeTheBodys() throws {
        var headers = Self.headers
        let credential = try SQSSignatureV4.credential(from: headers)
        let now = try #require(SQSSignatureV4.unixTime("20150830T123600Z"))
        let emptyHash = SQSSignatureV4.hex(SHA256.hash(data: [UInt8]()))
        headers.add(name: "x-amz-content-sha256", value: emptyHash)
        try SQSSignatureV4.verify(
            method: "GET", target: "/", headers: headers, body: [UInt8](), credential: credential,
            secret: Self.secret, nowSeconds: now)
        #expect(throws: SQSSignatureV4.Failure.mismatch) {
            try SQSSignatureV4.verify(
                method: "GET", target: "/", headers: headers, body: Array("another body".utf8),
                credential: credential, secret: Self.secret, nowSeconds: now)
        }
    }

    /// The pads-kept HMAC is CryptoKit's HMAC-SHA256 for keys shorter than, as long as and longer than the
    /// block, and messages around block boundaries.
    @Test func signingKeyPadsGiveCryptoKitsHMAC() {
        var generator = SystemRandomNumberGenerator()
        for keyLength in [0, 1, 32, 63, 64, 65, 200] {
            let key = SymmetricKey(data: (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let signing = SQSSigningKey(key)
            for messageLength in [0, 1, 55, 56, 63, 64, 65, 160, 1000] {
                let message = (0..<messageLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let expected = HMAC<SHA256>.authenticationCode(for: message, using: key)
                #expect(Array(signing.authenticationCode(for: message)) == Array(expected))
            }
        }
    }

    @Test func cachedSigningKeysVerifyAndFollowTheSecret() throws {
        let cache = SQSSigningKeyCache(capacity: 2)
        let credential = try SQSSignatureV4.credential(from: Self.headers)
        let now = try #require(SQSSignatureV4.unixTime("20150830T123600Z"))
        for _ in 0..<3 {
            try SQSSignatureV4.verify(
                method: "GET", target: "/", headers: Self.headers, body: [UInt8](), credential: credential,
                secret: Self.secret, nowSeconds: now, signingKeys: cache)
        }
        #expect(cache.count == 1)
        // A changed secret is another key: the cached one must not verify for it.
        #expect(throws: SQSSignatureV4.Failure.mismatch) {
            try SQSSignatureV4.verify(
                method: "GET", target: "/", headers: Self.headers, body: [UInt8](), credential: credential,
                secret: "rotated", nowSeconds: now, signingKeys: cache)
        }
        #expect(cache.count == 2)
        var other = credential
        other.region = "eu-west-1"
        _ = cache.key(for: other, secret: Self.secret)
        #expect(cache.count == 1)  // the cache was full: emptied, then the new key stored
        // The scope asked for last answers first: it must still follow the secret, and the earlier scope too.
        #expect(throws: SQSSignatureV4.Failure.mismatch) {
            try SQSSignatureV4.verify(
                method: "GET", target: "/", headers: Self.headers, body: [UInt8](), credential: credential,
                secret: "rotated", nowSeconds: now, signingKeys: cache)
        }
        for _ in 0..<2 {
            try SQSSignatureV4.verify(
                method: "GET", target: "/", headers: Self.headers, body: [UInt8](), credential: credential,
                secret: Self.secret, nowSeconds: now, signingKeys: cache)
        }
    }

    @Test func authorizationFieldsAreFoundInAnyOrderWithSpaces() throws {
        let headers: HTTPHeaders = [
            "Authorization":
                "AWS4-HMAC-SHA256 Signature=ABCDEF,  SignedHeaders=Host;X-Amz-Date ,Credential=k/20150830/r/sqs/aws4_request"
        ]
        let credential = try SQSSignatureV4.credential(from: headers)
        #expect(credential.accessKeyID == "k")
        #expect(credential.service == "sqs")
        #expect(credential.signedHeaders == ["host", "x-amz-date"])
        #expect(credential.signature == "abcdef")
        #expect(throws: SQSSignatureV4.Failure.self) {
            try SQSSignatureV4.credential(
                from: ["Authorization": "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00"])
        }
    }

    @Test func stringsWithAndWithoutEscapesParseTheSame() throws {
        let text = #"{"plain":"abc déf","escaped":"a\"b\\c\n\u00e9\ud83d\ude00","late":"xxxxxxxx\txx"}"#
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(value["plain"] == .string("abc déf"))
        #expect(value["escaped"] == .string("a\"b\\c\né😀"))
        #expect(value["late"] == .string("xxxxxxxx\txx"))
        // A raw control character inside a string is refused on the fast path too.
        #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse(Array("[\"a\u{1}b\"]".utf8)) }
        #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse(Array("[\"unterminated]".utf8)) }
    }

    @Test func bodyValidityOnTheASCIIAndTheUnicodePaths() {
        #expect(SQSMessageAttribute.isValidBody(ByteBuffer(string: "plain ascii\twith\r\nbreaks")))
        #expect(SQSMessageAttribute.isValidBody(ByteBuffer(string: "ünïcödé 😀")))
        #expect(!SQSMessageAttribute.isValidBody(ByteBuffer(string: "ascii then \u{8}")))
        #expect(!SQSMessageAttribute.isValidBody(ByteBuffer(string: "ünï \u{FFFE}")))
    }
}

@Suite("SQS receive attempts")
struct SQSReceiveAttemptsTests {
    /// Two queues of a broker (the broker is returned too: the queues' host lives in it).
    static func queues() throws -> (Broker, MessageQueue, MessageQueue) {
        let broker = Broker(logger: Logger(label: "test"))
        let host = try #require(broker.virtualHost("/"))
        for name in ["orders", "other"] {
            _ = try host.declareQueue(
                name, durable: false, exclusive: false, autoDelete: false, arguments: [:], passive: false,
                owner: ConnectionID(1))
        }
        return (broker, try #require(host.queue(named: "orders")), try #require(host.queue(named: "other")))
    }

    static func handle(_ delivery: UInt64) -> SQSReceiptHandle {
        SQSReceiptHandle(lease: 1, delivery: DeliveryID(delivery))
    }

    @Test func anAttemptIsKeptForFiveMinutesPerQueue() throws {
        let attempts = SQSReceiveAttempts()
        let (broker, orders, other) = try Self.queues()
        defer { withExtendedLifetime(broker) {} }
        attempts.remember(
            queue: orders, id: "a", handles: [Self.handle(1)], answer: SQSReceivedMessages(items: []), now: 1_000)
        #expect(attempts.earlier(queue: orders, id: "a", now: 1_000 + 299_999)?.handles == [Self.handle(1)])
        #expect(attempts.earlier(queue: other, id: "a", now: 1_000) == nil)
        #expect(attempts.earlier(queue: orders, id: "a", now: 1_000 + 300_000) == nil)
        #expect(attempts.count == 0)
    }

    @Test func storingAgainKeepsTheNewerAnswerPastTheOldExpiry() throws {
        let attempts = SQSReceiveAttempts()
        let (broker, orders, _) = try Self.queues()
        defer { withExtendedLifetime(broker) {} }
        attempts.remember(
            queue: orders, id: "a", handles: [Self.handle(2)], answer: SQSReceivedMessages(items: []), now: 0)
        attempts.remember(
            queue: orders, id: "a", handles: [Self.handle(3)], answer: SQSReceivedMessages(items: []), now: 200_000)
        #expect(attempts.earlier(queue: orders, id: "a", now: 350_000)?.handles == [Self.handle(3)])
        attempts.forget(queue: orders, id: "a")
        #expect(attempts.earlier(queue: orders, id: "a", now: 350_000) == nil)
    }

    @Test func theOldestAttemptsGoAtCapacity() throws {
        let attempts = SQSReceiveAttempts(capacity: 100)
        let (broker, orders, _) = try Self.queues()
        defer { withExtendedLifetime(broker) {} }
        for index in 0..<250 {
            attempts.remember(
                queue: orders, id: "\(index)", handles: [Self.handle(UInt64(index))],
                answer: SQSReceivedMessages(items: []), now: 0)
        }
        #expect(attempts.count == 100)
        #expect(attempts.earlier(queue: orders, id: "149", now: 0) == nil)
        #expect(attempts.earlier(queue: orders, id: "150", now: 0)?.handles == [Self.handle(150)])
    }

    /// The queue name is the URL's last non-empty segment, as `split(separator: "/").last` gives it.
    @Test(arguments: [
        "http://localhost:9324/000000000000/orders", "orders", "/000000000000/orders/", "http://h/1/q//", "", "///",
        "http://h/1/caf\u{E9}-\u{1F600}.fifo", "a/b/c",
    ])
    func queueNameIsTheLastNonEmptySegment(_ url: String) {
        #expect(SQSService.queueName(ofURL: url) == (url.split(separator: "/").last.map(String.init) ?? ""))
    }
}
