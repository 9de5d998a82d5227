public import JunctionCore
public import JunctionSTOMPCodec
import NIOCore

/// An error as it goes on the wire: an ERROR frame with a short `message` header and an explanatory
/// body, after which the connection closes (STOMP 1.2 "ERROR").
public struct STOMPError: Error, Sendable, Hashable {
    public var message: String
    public var detail: String
    /// The `receipt` of the frame that failed, echoed as `receipt-id`.
    public var receiptID: String?

    public init(_ message: String, _ detail: String, receiptID: String? = nil) {
        self.message = message
        self.detail = detail
        self.receiptID = receiptID
    }

    /// The one place broker failures become STOMP errors (RabbitMQ's wording for the `message` header).
    public init(_ error: BrokerError, receiptID: String? = nil) {
        let message =
            switch error.kind {
            case .notFound: "not_found"
            case .accessRefused: "access_refused"
            case .resourceLocked: "resource_locked"
            case .preconditionFailed: "precondition_failed"
            case .notAllowed: "not_allowed"
            case .notImplemented: "not_implemented"
            case .resourceError: "resource_error"
            case .internalError: "internal_error"
            case .commandInvalid: "command_invalid"
            }
        self.init(message, error.detail, receiptID: receiptID)
    }

    /// A frame the codec refused.
    public init(_ error: STOMPDecodingError) {
        switch error {
        case .bodyTooLarge, .headerSectionTooLarge, .tooManyHeaders:
            self.init("Frame too large", error.description)
        case .unknownCommand:
            self.init("Unknown command", error.description)
        case .headerWithoutColon, .invalidEscape, .invalidContentLength, .missingNullTerminator, .invalidUTF8:
            self.init("Malformed frame", error.description)
        }
    }

    /// The ERROR frame for this error.
    public var frame: STOMPFrame {
        var headers: STOMPHeaders = ["message": self.message, "content-type": "text/plain"]
        if let receiptID = self.receiptID { headers.append("receipt-id", receiptID) }
        return STOMPFrame(.error, headers: headers, body: ByteBuffer(string: self.detail))
    }
}
