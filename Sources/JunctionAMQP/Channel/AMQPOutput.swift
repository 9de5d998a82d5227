import JunctionCore
import NIOCore

/// The connection's outbound buffer. Every frame of a read burst (replies, deliveries, confirms)
/// is encoded into it and written with one flush.
struct AMQPOutput {
    var buffer = ByteBuffer()
    var frameMax: Int

    init(frameMax: Int) {
        self.frameMax = frameMax
    }

    mutating func method(_ channel: AMQPChannelID, _ method: AMQPMethod) {
        self.buffer.writeAMQPMethodFrame(channel: channel, method: method)
    }

    /// Header and body frames of one message, the body split by frame_max.
    mutating func content(_ channel: AMQPChannelID, properties: MessageProperties, body: ByteBuffer) {
        self.buffer.writeAMQPContentHeaderFrame(
            channel: channel,
            classID: 60,
            bodySize: UInt64(body.readableBytes),
            properties: properties
        )
        if body.readableBytes > 0 {
            self.buffer.writeAMQPBodyFrames(channel: channel, body: body, frameMax: self.frameMax)
        }
    }
}
