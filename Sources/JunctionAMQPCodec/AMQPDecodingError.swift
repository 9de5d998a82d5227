/// Malformed AMQP 0-9-1 input. Every case is a connection-level error in AMQP 0-9-1 (§1.2 "Constants": 501, 502,
/// 540 are hard errors); `replyCode` and `replyText` are what the connection.close carries.
public enum AMQPDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The first 8 bytes are not `"AMQP" 0 0 9 1`. The server answers with its own header and closes (§4.2.2).
    case unsupportedProtocolHeader
    /// A frame header announced more than the negotiated frame-max. `size` counts the whole frame (payload + 8).
    case frameTooLarge(size: Int, limit: Int)
    /// The octet after the payload is not 0xCE (§4.2.3).
    case invalidFrameEnd(UInt8)
    /// The frame type octet is not 1, 2, 3 or 8.
    case unknownFrameType(UInt8)
    /// A method frame whose payload cannot even hold class-id and method-id (`size` bytes).
    case methodFrameTooShort(size: Int)
    /// A class-id/method-id pair we do not know.
    case unknownMethod(classID: UInt16, methodID: UInt16)
    /// A method's arguments are truncated or followed by extra bytes.
    case malformedMethod(classID: UInt16, methodID: UInt16)
    /// A content header is truncated, has extra bytes, or sets property flags that do not exist.
    case malformedContentHeader
    /// A content header for a class other than basic (60): its property list is not defined.
    case unknownContentClass(UInt16)
    /// A field table or array holds a value whose type tag we do not know.
    case invalidFieldValueType(UInt8)
    /// Field tables and arrays nest deeper than `limit`.
    case fieldNestingTooDeep(limit: Int)
    /// A short string (or a long string read as text) is not valid UTF-8.
    case invalidUTF8

    /// The reply code for connection.close: 501 FRAME_ERROR for framing, 502 SYNTAX_ERROR for malformed payloads,
    /// 540 NOT_IMPLEMENTED for unknown classes and methods.
    public var replyCode: UInt16 {
        switch self {
        case .unsupportedProtocolHeader, .frameTooLarge, .invalidFrameEnd, .unknownFrameType, .methodFrameTooShort:
            501
        case .malformedMethod, .malformedContentHeader, .invalidFieldValueType, .fieldNestingTooDeep, .invalidUTF8:
            502
        case .unknownMethod, .unknownContentClass:
            540
        }
    }

    /// The class-id and method-id to report in connection.close, when the error concerns one method.
    public var failingMethod: (classID: UInt16, methodID: UInt16)? {
        switch self {
        case .unknownMethod(let classID, let methodID), .malformedMethod(let classID, let methodID):
            (classID, methodID)
        case .unsupportedProtocolHeader, .frameTooLarge, .invalidFrameEnd, .unknownFrameType, .methodFrameTooShort,
            .malformedContentHeader, .unknownContentClass, .invalidFieldValueType, .fieldNestingTooDeep, .invalidUTF8:
            nil
        }
    }

    /// A RabbitMQ-style reply text: the constant's name, then the detail.
    public var replyText: String {
        switch self.replyCode {
        case 501: "FRAME_ERROR - \(self.description)"
        case 540: "NOT_IMPLEMENTED - \(self.description)"
        default: "SYNTAX_ERROR - \(self.description)"
        }
    }

    public var description: String {
        switch self {
        case .unsupportedProtocolHeader: "unsupported protocol header"
        case .frameTooLarge(let size, let limit): "frame of \(size) bytes exceeds frame_max \(limit)"
        case .invalidFrameEnd(let byte): "frame end octet \(byte) is not 206"
        case .unknownFrameType(let type): "unknown frame type \(type)"
        case .methodFrameTooShort(let size): "method frame payload of \(size) bytes"
        case .unknownMethod(let classID, let methodID): "unknown method \(classID).\(methodID)"
        case .malformedMethod(let classID, let methodID): "malformed arguments of method \(classID).\(methodID)"
        case .malformedContentHeader: "malformed content header"
        case .unknownContentClass(let classID): "content header for class \(classID)"
        case .invalidFieldValueType(let tag): "invalid field value type \(tag)"
        case .fieldNestingTooDeep(let limit): "field tables nested deeper than \(limit)"
        case .invalidUTF8: "string is not valid UTF-8"
        }
    }
}
