import JunctionCore
import JunctionModel
public import NIOCore

/// How `/events` endpoints put a message into an event (`format=text`, the default, or `json`).
/// Pure, so the mapping is tested without an engine.
public enum HTTPEventFormat: String, Sendable, Equatable {
    /// `event: message` with the body as the data when it is UTF-8 without a CR (CRs would come
    /// back as LF, because CR ends a line in the format); otherwise `event: message-base64` with
    /// the body in base64, so the client always gets the exact bytes.
    case text
    /// `event: message` with a JSON object as the data: routing key, properties, payload, as in
    /// the non-live reads.
    case json

    public init(query: String?) throws(HTTPAPIError) {
        guard let format = HTTPEventFormat(rawValue: query ?? "text") else {
            throw .badRequest("'format' must be text or json")
        }
        self = format
    }

    /// The event carrying one body in text format.
    public static func textEvent(id: String, body: ByteBuffer) -> ServerSentEvent {
        let bytes = Array(body.readableBytesView)
        if let text = String(validating: bytes, as: UTF8.self), !bytes.contains(UInt8(ascii: "\r")) {
            return ServerSentEvent(id: id, event: "message", data: text)
        }
        return ServerSentEvent(id: id, event: "message-base64", data: Base64.encode(bytes))
    }
}
