public import NIOCore

public enum AMQPFrameWrapping {
    /// One frame of `type` on channel 1 around `payload` (AMQP 0-9-1 §4.2.3).
    public static func frame(type: UInt8, payload: ByteBuffer) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.writeInteger(type)
        frame.writeInteger(UInt16(1))
        frame.writeInteger(UInt32(payload.readableBytes))
        frame.writeImmutableBuffer(payload)
        frame.writeInteger(UInt8(0xCE))
        return frame
    }
}
