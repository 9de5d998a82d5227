import NIOCore

// Arguments of the channel class (20), AMQP 0-9-1 §1.5.2.

/// channel.flow (20.20): ask the peer to stop or restart sending content.
public struct AMQPChannelFlow: Sendable, Equatable {
    public var active: Bool

    public init(active: Bool) { self.active = active }

    init?(reading buffer: inout ByteBuffer) {
        guard let bits = buffer.readInteger(as: UInt8.self) else { return nil }
        self.init(active: bits & 1 != 0)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeAMQPBits(self.active)
    }
}

/// channel.close (20.40).
public struct AMQPChannelClose: Sendable, Equatable {
    public var replyCode: UInt16
    public var replyText: String
    public var classID: UInt16
    public var methodID: UInt16

    public init(replyCode: UInt16, replyText: String, classID: UInt16 = 0, methodID: UInt16 = 0) {
        self.replyCode = replyCode
        self.replyText = replyText
        self.classID = classID
        self.methodID = methodID
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let close = try AMQPConnectionClose(reading: &buffer) else { return nil }
        self.init(
            replyCode: close.replyCode, replyText: close.replyText, classID: close.classID, methodID: close.methodID)
    }

    func write(to buffer: inout ByteBuffer) {
        AMQPConnectionClose(
            replyCode: self.replyCode, replyText: self.replyText, classID: self.classID, methodID: self.methodID
        ).write(to: &buffer)
    }
}
