import NIOCore
import NIOHTTP1

/// A SendMessageBatch answer as the engine made it: per stored entry its id and the fields only the engine
/// knows (`MessageId`, and when there are any the attribute digests and the sequence number), per refused
/// entry its error. The connection's loop adds each body's `MD5OfMessageBody` (the bodies are in the request
/// it decoded, as bytes; their digests eight at a time, `SQSBodyDigests`) and writes the answer: JSON straight into
/// bytes, the query protocol's XML through `json`.
struct SQSSentBatch: Sendable {
    struct Sent: Sendable {
        var id: String
        /// The entry's position in the request's `sends`.
        var entry: Int
        var message: SQSSentMessage
    }

    var successful: [Sent]
    var failed: [(id: String, error: SQSError)]

    /// The `MD5OfMessageBody` of each successful entry, in order: the digest of its body's bytes. (An entry
    /// is stored only with a body, so every successful one has one.)
    func bodyDigests(of request: SQSRequest) -> SQSBodyDigests.List {
        SQSBodyDigests.md5(
            ofEach: self.successful.map { (request.sends[$0.entry].body ?? ByteBuffer()).readableBytesView })
    }

    /// The answer as a JSON value, `MD5OfMessageBody` right after `MessageId` as AWS puts it.
    func json(digests: SQSBodyDigests.List) -> JSONValue {
        .object([
            (
                "Successful",
                .array(
                    self.successful.enumerated().map { number, entry in
                        var fields: [(String, JSONValue)] = [("Id", .string(entry.id))]
                        for (index, field) in entry.message.fields.enumerated() {
                            fields.append((field.0, .string(field.1)))
                            if index == 0 { fields.append(("MD5OfMessageBody", .string(digests.hex(number)))) }
                        }
                        return .object(fields)
                    })
            ),
            ("Failed", .array(self.failed.map { SQSService.failure(id: $0.id, $0.error) })),
        ])
    }

    /// The JSON answer's bytes: what `json(digests:)` serializes to, written directly.
    func writeJSON(digests: SQSBodyDigests.List, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"Successful":["#)
        for (number, entry) in self.successful.enumerated() {
            buffer.writeStaticString(number == 0 ? #"{"Id":"# : #",{"Id":"#)
            JSONValue.writeString(entry.id, into: &buffer)
            buffer.writeStaticString(#","MessageId":"#)
            JSONValue.writeString(entry.message.messageID, into: &buffer)
            buffer.writeStaticString(#","MD5OfMessageBody":""#)
            digests.writeHex(number, into: &buffer)
            buffer.writeStaticString(#"""#)
            for (name, value) in entry.message.extraFields {
                buffer.writeStaticString(",")
                JSONValue.writeString(name, into: &buffer)
                buffer.writeStaticString(":")
                JSONValue.writeString(value, into: &buffer)
            }
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString(#"],"Failed":"#)
        JSONValue.array(self.failed.map { SQSService.failure(id: $0.id, $0.error) }).write(into: &buffer)
        buffer.writeStaticString("}")
    }

    /// The HTTP answer to `request` in the caller's wire protocol.
    func response(to request: SQSRequest, protocol wire: SQSRequest.WireProtocol, requestID: String) -> HTTPResponse {
        let digests = self.bodyDigests(of: request)
        switch wire {
        case .json:
            var body = ByteBufferAllocator().buffer(capacity: 64 + 160 * (self.successful.count + self.failed.count))
            self.writeJSON(digests: digests, into: &body)
            return HTTPResponse(
                status: .ok, headers: ["Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": requestID],
                body: body)
        case .query:
            return SQSResponse.success(
                "SendMessageBatch", self.json(digests: digests), protocol: .query, requestID: requestID)
        }
    }
}

/// What a stored message's send answers besides its body's digest: its id, and when there are any the digests
/// of its attributes and its sequence number. Kept as fields, not a list of pairs: a batch's ten sends made
/// ten arrays on the engine loop.
struct SQSSentMessage: Sendable, Equatable {
    var messageID: String
    var attributesDigest: String? = nil
    var sequenceNumber: String? = nil
    var systemAttributesDigest: String? = nil

    /// What follows `MessageId` (and the body's digest) in AWS's order.
    var extraFields: [(String, String)] {
        guard self.attributesDigest != nil || self.sequenceNumber != nil || self.systemAttributesDigest != nil else {
            return []
        }
        var fields: [(String, String)] = []
        if let digest = self.attributesDigest { fields.append(("MD5OfMessageAttributes", digest)) }
        if let sequence = self.sequenceNumber { fields.append(("SequenceNumber", sequence)) }
        if let digest = self.systemAttributesDigest { fields.append(("MD5OfMessageSystemAttributes", digest)) }
        return fields
    }

    /// `MessageId` first, then what else the send answered.
    var fields: [(String, String)] { [("MessageId", self.messageID)] + self.extraFields }
}
