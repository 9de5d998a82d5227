public import NIOCore

/// One STOMP frame. The body is a slice of the receive buffer, never a copy.
public struct STOMPFrame: Sendable, Hashable {
    public var command: STOMPCommand
    public var headers: STOMPHeaders
    public var body: ByteBuffer

    public init(_ command: STOMPCommand, headers: STOMPHeaders = STOMPHeaders(), body: ByteBuffer = ByteBuffer()) {
        self.command = command
        self.headers = headers
        self.body = body
    }
}

/// What the decoder produces: a frame, or one or more end-of-lines between frames, which are
/// heart-beats (STOMP 1.2 "Heart-beating").
public enum STOMPInbound: Sendable, Hashable {
    case frame(STOMPFrame)
    case heartbeat
}
