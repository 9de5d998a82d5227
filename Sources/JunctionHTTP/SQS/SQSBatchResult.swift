import NIOCore
import NIOHTTP1

/// The answer to a DeleteMessageBatch or a ChangeMessageVisibilityBatch as the engine made it: the ids of the
/// entries done and, per entry refused, its id and error. The connection's loop writes it: JSON straight into
/// bytes, the query protocol's XML through `json`. (Made as a `JSONValue` tree on the engine loop, it was an
/// object per entry and a tree walked again to write it.)
struct SQSBatchResult: Sendable {
    var action: String
    var successful: [String] = []
    var failed: [(id: String, error: SQSError)] = []

    /// The answer as a JSON value, the shape of every other action's result.
    var json: JSONValue {
        .object([
            ("Successful", .array(self.successful.map { .object([("Id", .string($0))]) })),
            ("Failed", .array(self.failed.map { SQSService.failure(id: $0.id, $0.error) })),
        ])
    }

    /// The JSON answer's bytes: what `json` serializes to, written directly.
    func writeJSON(into buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"Successful":["#)
        for (number, id) in self.successful.enumerated() {
            buffer.writeStaticString(number == 0 ? #"{"Id":"# : #",{"Id":"#)
            JSONValue.writeString(id, into: &buffer)
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString(#"],"Failed":"#)
        JSONValue.array(self.failed.map { SQSService.failure(id: $0.id, $0.error) }).write(into: &buffer)
        buffer.writeStaticString("}")
    }

    /// The HTTP answer in the caller's wire protocol.
    func response(protocol wire: SQSRequest.WireProtocol, requestID: String) -> HTTPResponse {
        switch wire {
        case .json:
            var body = ByteBufferAllocator().buffer(capacity: 64 + 24 * self.successful.count + 160 * self.failed.count)
            self.writeJSON(into: &body)
            return HTTPResponse(
                status: .ok, headers: ["Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": requestID],
                body: body)
        case .query:
            return SQSResponse.success(self.action, self.json, protocol: .query, requestID: requestID)
        }
    }
}
