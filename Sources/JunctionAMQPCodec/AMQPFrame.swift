public import NIOCore

/// One decoded AMQP 0-9-1 frame (AMQP 0-9-1 §4.2.3).
public enum AMQPFrame: Sendable, Equatable {
    case method(AMQPChannelID, AMQPMethod)
    case header(AMQPChannelID, AMQPContentHeader)
    /// A slice of the receive buffer, never a copy.
    case body(AMQPChannelID, ByteBuffer)
    case heartbeat(AMQPChannelID)

    public var channelID: AMQPChannelID {
        switch self {
        case .method(let channel, _), .header(let channel, _), .body(let channel, _), .heartbeat(let channel):
            channel
        }
    }
}

/// Frame type octets (AMQP 0-9-1 §4.2.3; heartbeat is 8 as in RabbitMQ and the 0-9-1 XML).
enum AMQPFrameType: UInt8 {
    case method = 1
    case header = 2
    case body = 3
    case heartbeat = 8
}

/// Byte counts of the frame envelope.
enum AMQPFrameLayout {
    /// type (1) + channel (2) + payload size (4).
    static let headerSize = 7
    /// The frame-end octet.
    static let frameEnd: UInt8 = 0xCE
    /// Header plus frame-end: what frame-max counts on top of the payload.
    static let overhead = 8
}
