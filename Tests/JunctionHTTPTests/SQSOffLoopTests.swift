import Crypto
import JunctionCore
import NIOCore
import NIOHTTP1
import Testing

@testable import JunctionHTTP

/// The SQS work moved off the engine loop (`sqs.event_loops`): body digests added after the engine answered,
/// and SigV4 split into the request's half (`prepare`) and the secret's half (`check`).
@Suite("SQS work off the engine loop")
struct SQSOffLoopTests {
    static func md5(_ text: String) -> String { SQSSignatureV4.hex(Insecure.MD5.hash(data: Array(text.utf8))) }

    /// A decoded request: a send's messages separated from its parameters, as `SQSRequest.decode` does.
    static func request(_ action: String, _ parameters: JSONValue) -> SQSRequest {
        let (rest, sends) = SQSSendEntry.separate(action: action, from: parameters)
        return SQSRequest(action: action, parameters: rest, sends: sends, wireProtocol: .json)
    }

    @Test func sendDigestIsTheBodysMD5AfterTheMessageId() {
        let result = SQSBodyDigests.complete(
            .object([("MessageId", .string("m")), ("MD5OfMessageAttributes", .string("a"))]), action: "SendMessage",
            request: Self.request("SendMessage", .object([("MessageBody", .string("body ✓"))])))
        #expect(
            result
                == .object([
                    ("MessageId", .string("m")), ("MD5OfMessageBody", .string(Self.md5("body ✓"))),
                    ("MD5OfMessageAttributes", .string("a")),
                ]))
    }

    /// Each successful entry gets the digest of the body sent under its own id, right after its `MessageId`;
    /// failed entries none. The JSON bytes are what the answer's `JSONValue` serializes to.
    @Test func batchDigestsFollowTheEntryIds() throws {
        let entries = JSONValue.array([
            .object([("Id", .string("a")), ("MessageBody", .string("first"))]),
            .object([("Id", .string("b")), ("MessageBody", .string("second \"quoted\" \u{7}"))]),
            .object([("Id", .string("c")), ("MessageBody", .string("third"))]),
        ])
        let request = Self.request("SendMessageBatch", .object([("Entries", entries)]))
        let batch = SQSSentBatch(
            successful: [
                .init(
                    id: "b", entry: 1,
                    message: SQSSentMessage(messageID: "2", sequenceNumber: "00000000000000000007")),
                .init(id: "a", entry: 0, message: SQSSentMessage(messageID: "1")),
            ],
            failed: [("c", SQSError.invalid("nope"))])
        let digests = batch.bodyDigests(of: request)
        #expect(digests.hexStrings == [Self.md5("second \"quoted\" \u{7}"), Self.md5("first")])
        let result = batch.json(digests: digests)
        let successful = result["Successful"]?.arrayValue ?? []
        #expect(
            successful.first
                == .object([
                    ("Id", .string("b")), ("MessageId", .string("2")),
                    ("MD5OfMessageBody", .string(Self.md5("second \"quoted\" \u{7}"))),
                    ("SequenceNumber", .string("00000000000000000007")),
                ]))
        #expect(successful.last?["MD5OfMessageBody"] == .string(Self.md5("first")))
        #expect(result["Failed"] == .array([SQSService.failure(id: "c", SQSError.invalid("nope"))]))
        var bytes = ByteBuffer()
        batch.writeJSON(digests: digests, into: &bytes)
        #expect(String(buffer: bytes) == result.serialized)
        // Nothing sent: empty lists, as SQS answers.
        var empty = ByteBuffer()
        SQSSentBatch(successful: [], failed: []).writeJSON(
            digests: SQSBodyDigests.md5(ofEach: [[UInt8]]()), into: &empty)
        #expect(String(buffer: empty) == #"{"Successful":[],"Failed":[]}"#)
        let xml = String(buffer: batch.response(to: request, protocol: .query, requestID: "r").body)
        #expect(
            xml.contains(
                "<SendMessageBatchResultEntry><Id>a</Id><MessageId>1</MessageId><MD5OfMessageBody>\(Self.md5("first"))</MD5OfMessageBody></SendMessageBatchResultEntry>"
            ))
    }

    /// A delete or visibility batch's answer, written as bytes on the connection's loop, is what its `JSONValue`
    /// serializes to; the query protocol's XML names each entry as SQS does.
    @Test func batchResultsAreWrittenAsTheirJSON() {
        var result = SQSBatchResult(action: "DeleteMessageBatch")
        result.successful = ["a", "b-2", "c_3"]
        result.failed = [("d", SQSError.receiptHandleIsInvalid("x")), ("e", SQSError.invalid("nope"))]
        var bytes = ByteBuffer()
        result.writeJSON(into: &bytes)
        #expect(String(buffer: bytes) == result.json.serialized)
        #expect(String(buffer: bytes).hasPrefix(#"{"Successful":[{"Id":"a"},{"Id":"b-2"},{"Id":"c_3"}],"Failed":[{"#))
        var empty = ByteBuffer()
        SQSBatchResult(action: "DeleteMessageBatch").writeJSON(into: &empty)
        #expect(String(buffer: empty) == #"{"Successful":[],"Failed":[]}"#)
        let xml = String(buffer: result.response(protocol: .query, requestID: "r").body)
        #expect(
            xml.contains(
                "<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>a</Id></DeleteMessageBatchResultEntry>"))
        #expect(xml.contains("<BatchResultErrorEntry><Id>d</Id>"))
    }

    /// A receive's answer is made from the bodies' bytes on the connection's loop: its JSON bytes are what the
    /// `JSONValue` of the same answer serializes to, `MD5OfBody` comes before `Body` and digests the text the
    /// client gets (a body that is not UTF-8 is sent, and digested, with U+FFFD in place of bad bytes).
    @Test func receivedMessagesAreWrittenFromTheirBytes() throws {
        let bodies: [ByteBuffer] = [
            ByteBuffer(string: "plain text"), ByteBuffer(string: "quote \" backslash \\ tab \t bell \u{07} del \u{7F}"),
            ByteBuffer(string: "caf\u{E9} \u{1F600}"), ByteBuffer(bytes: [0x61, 0xFF, 0x62, 0xC3]), ByteBuffer(),
        ]
        let items = bodies.enumerated().map { index, body in
            SQSReceivedMessages.Item(
                messageID: "id-\(index)",
                receiptHandle: SQSReceiptHandle(lease: 0xab, delivery: DeliveryID(UInt64(index))), body: body,
                attributes: index == 1 ? [("SentTimestamp", "1000"), ("ApproximateReceiveCount", "2")] : [],
                messageAttributes: index == 2
                    ? [("colour", SQSMessageAttribute(dataType: "String", stringValue: "red"))] : [])
        }
        let messages = SQSReceivedMessages(items: items)
        var bytes = ByteBuffer()
        messages.writeJSON(into: &bytes)
        #expect(String(buffer: bytes) == messages.json.serialized)
        let parsed = try JSONParser.parse(Array(bytes.readableBytesView))
        let answered = parsed["Messages"]?.arrayValue ?? []
        #expect(answered.count == bodies.count)
        for (item, message) in zip(items, answered) {
            let text = String(decoding: item.body.readableBytesView, as: UTF8.self)
            #expect(message["Body"] == .string(text))
            #expect(message["MD5OfBody"] == .string(Self.md5(text)))
            #expect(
                message.objectValue?.prefix(4).map(\.0) == ["MessageId", "ReceiptHandle", "MD5OfBody", "Body"])
        }
        #expect(answered[3]["Body"] == .string("a\u{FFFD}b\u{FFFD}"))
        #expect(
            answered[1]["Attributes"]
                == .object([("SentTimestamp", .string("1000")), ("ApproximateReceiveCount", .string("2"))]))
        #expect(answered[2]["MessageAttributes"]?["colour"]?["StringValue"] == .string("red"))
        #expect(answered[2]["MD5OfMessageAttributes"] == .string(SQSMessageAttribute.md5(items[2].messageAttributes)!))
        // An empty receive is an empty object; the query protocol's XML has the digest before the body.
        var empty = ByteBuffer()
        SQSReceivedMessages(items: []).writeJSON(into: &empty)
        #expect(String(buffer: empty) == "{}")
        let xml = String(buffer: messages.response(protocol: .query, requestID: "r").body)
        #expect(
            xml.contains(
                "<Message><MessageId>id-0</MessageId><ReceiptHandle>ab-0</ReceiptHandle><MD5OfBody>\(Self.md5("plain text"))</MD5OfBody><Body>plain text</Body></Message>"
            ))
        // Other actions' results are not touched by the send digests.
        #expect(
            SQSBodyDigests.complete(
                .object([("QueueUrl", .string("u"))]), action: "GetQueueUrl",
                request: Self.request("GetQueueUrl", .object([("MessageBody", .string("b"))])))
                == .object([("QueueUrl", .string("u"))]))
    }

    /// `prepare` needs no secret and `check` reports failures in `verify`'s order: an unknown date before the
    /// clock, the clock before an unsigned host or a body that is not the one declared.
    @Test func preparedChecksKeepVerifysOrder() throws {
        let headers = SQSFastPathTests.headers
        let credential = try SQSSignatureV4.credential(from: headers)
        let prepared = SQSSignatureV4.prepare(
            method: "GET", target: "/", headers: headers, body: [UInt8](), credential: credential)
        let signedAt = try #require(SQSSignatureV4.unixTime("20150830T123600Z"))
        try SQSSignatureV4.check(
            prepared, credential: credential, secret: SQSFastPathTests.secret, nowSeconds: signedAt)
        #expect(throws: SQSSignatureV4.Failure.mismatch) {
            try SQSSignatureV4.check(prepared, credential: credential, secret: "other", nowSeconds: signedAt)
        }
        #expect(throws: SQSSignatureV4.Failure.expired) {
            try SQSSignatureV4.check(
                prepared, credential: credential, secret: SQSFastPathTests.secret, nowSeconds: signedAt + 3600)
        }
        var wrongBody = headers
        wrongBody.add(name: "x-amz-content-sha256", value: String(repeating: "0", count: 64))
        let mismatched = SQSSignatureV4.prepare(
            method: "GET", target: "/", headers: wrongBody, body: [UInt8](), credential: credential)
        #expect(mismatched.late == .mismatch)
        // Expired is reported first, as `verify` does.
        #expect(throws: SQSSignatureV4.Failure.expired) {
            try SQSSignatureV4.check(
                mismatched, credential: credential, secret: SQSFastPathTests.secret, nowSeconds: signedAt + 3600)
        }
        var noDate = headers
        noDate.remove(name: "X-Amz-Date")
        let undated = SQSSignatureV4.prepare(
            method: "GET", target: "/", headers: noDate, body: [UInt8](), credential: credential)
        #expect(undated.early != nil)
    }
}
