import NIOCore
import NIOHTTP1

/// A ReceiveMessage answer as the engine took it: per message its id, receipt handle, body bytes and the
/// attributes asked for. The engine loop only gathers these; the connection's loop makes the answer, the
/// JSON one straight from the body bytes (no `String` per body, no `JSONValue` tree, the body's MD5 over
/// its bytes) and the query protocol's XML through `json`. Kept as it is for a `ReceiveRequestAttemptId`
/// retry.
struct SQSReceivedMessages: Sendable {
    struct Item: Sendable {
        var messageID: String
        var receiptHandle: SQSReceiptHandle
        /// The message body; `text` is what SQS clients get of it.
        var body: ByteBuffer
        /// The system attributes asked for, in AWS's order.
        var attributes: [(String, String)]
        /// The message attributes asked for.
        var messageAttributes: [(String, SQSMessageAttribute)]

        /// The body as UTF-8 text: as it is when it is ASCII, else decoded with invalid sequences replaced
        /// (U+FFFD), as a `String` of it would be: what is sent and what `MD5OfBody` digests.
        var text: ByteBuffer { self.jsonText.text }

        /// `text`, and whether it is plain ASCII that a JSON string holds as it is: one scan decides both for
        /// most bodies (an ASCII scan, then the writer's escape scan, went over every body twice).
        var jsonText: (text: ByteBuffer, plain: Bool) {
            if self.body.withUnsafeReadableBytes({ JSONByteScan.isPlainJSONASCII($0) }) { return (self.body, true) }
            let ascii = self.body.withUnsafeReadableBytes { JSONByteScan.isASCII($0) }
            if ascii { return (self.body, false) }
            return (ByteBuffer(string: String(decoding: self.body.readableBytesView, as: UTF8.self)), false)
        }

    }

    var items: [Item]

    /// The receipt handles, in order.
    var handles: [SQSReceiptHandle] { self.items.map(\.receiptHandle) }

    /// The answer as a JSON value (the shape of every other action's result; the query protocol's XML is
    /// made from it).
    var json: JSONValue {
        guard !self.items.isEmpty else { return .object([]) }
        let texts = self.items.map(\.text)
        let digests = SQSBodyDigests.md5(ofEach: texts.map(\.readableBytesView))
        return .object([
            (
                "Messages",
                .array(
                    self.items.indices.map { index in
                        let item = self.items[index]
                        var fields: [(String, JSONValue)] = [
                            ("MessageId", .string(item.messageID)), ("ReceiptHandle", .string(item.receiptHandle.text)),
                            ("MD5OfBody", .string(digests.hex(index))), ("Body", .string(String(buffer: texts[index]))),
                        ]
                        if !item.attributes.isEmpty {
                            fields.append(("Attributes", .object(item.attributes.map { ($0.0, .string($0.1)) })))
                        }
                        if let digest = SQSMessageAttribute.md5(item.messageAttributes) {
                            fields.append(("MD5OfMessageAttributes", .string(digest)))
                            fields.append(
                                ("MessageAttributes", .object(item.messageAttributes.map { ($0.0, $0.1.json) })))
                        }
                        return .object(fields)
                    })
            )
        ])
    }

    /// The JSON answer's bytes: what `json` serializes to, written directly.
    func writeJSON(into buffer: inout ByteBuffer) {
        guard !self.items.isEmpty else {
            buffer.writeStaticString("{}")
            return
        }
        let texts = self.items.map(\.jsonText)
        // All the bodies' digests at once: eight at a time on SIMD lanes (`SQSBodyDigests`).
        let digests = SQSBodyDigests.md5(ofEach: texts.map(\.text.readableBytesView))
        buffer.writeStaticString(#"{"Messages":["#)
        for (index, item) in self.items.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString(#"{"MessageId":"#)
            JSONValue.writeString(item.messageID, into: &buffer)
            buffer.writeStaticString(#","ReceiptHandle":"#)
            item.receiptHandle.writeJSON(into: &buffer)
            buffer.writeStaticString(#","MD5OfBody":""#)
            digests.writeHex(index, into: &buffer)
            buffer.writeStaticString(#"","Body":"#)
            if texts[index].plain {
                buffer.writeStaticString(#"""#)
                buffer.writeImmutableBuffer(texts[index].text)
                buffer.writeStaticString(#"""#)
            } else {
                texts[index].text.withUnsafeReadableBytes { JSONValue.writeString(bytes: $0, into: &buffer) }
            }
            if !item.attributes.isEmpty {
                buffer.writeStaticString(#","Attributes":"#)
                JSONValue.object(item.attributes.map { ($0.0, .string($0.1)) }).write(into: &buffer)
            }
            if let digest = SQSMessageAttribute.md5(item.messageAttributes) {
                buffer.writeStaticString(#","MD5OfMessageAttributes":"#)
                JSONValue.writeString(digest, into: &buffer)
                buffer.writeStaticString(#","MessageAttributes":"#)
                JSONValue.object(item.messageAttributes.map { ($0.0, $0.1.json) }).write(into: &buffer)
            }
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("]}")
    }

    /// The HTTP answer in the caller's wire protocol.
    func response(protocol wire: SQSRequest.WireProtocol, requestID: String) -> HTTPResponse {
        switch wire {
        case .json:
            var body = ByteBufferAllocator().buffer(
                capacity: 64 + self.items.reduce(0) { $0 + $1.body.readableBytes + 160 })
            self.writeJSON(into: &body)
            return HTTPResponse(
                status: .ok, headers: ["Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": requestID],
                body: body)
        case .query:
            return SQSResponse.success("ReceiveMessage", self.json, protocol: .query, requestID: requestID)
        }
    }
}
