public import JunctionModel
public import NIOCore

/// Outbound AMQP 0-9-1 frames (§4.2.3). Each call appends whole frames to the buffer.
extension ByteBuffer {
    /// Writes one method frame.
    public mutating func writeAMQPMethodFrame(channel: AMQPChannelID, method: AMQPMethod) {
        let sizeIndex = self.writeAMQPFrameHeader(type: .method, channel: channel)
        method.write(to: &self)
        self.finishAMQPFrame(sizeIndex: sizeIndex)
    }

    /// Writes one content header frame.
    public mutating func writeAMQPContentHeaderFrame(
        channel: AMQPChannelID, classID: UInt16 = 60, bodySize: UInt64, properties: MessageProperties
    ) {
        self.writeAMQPContentHeaderFrame(
            channel: channel, header: AMQPContentHeader(classID: classID, bodySize: bodySize, properties: properties))
    }

    /// Writes one content header frame.
    public mutating func writeAMQPContentHeaderFrame(channel: AMQPChannelID, header: AMQPContentHeader) {
        let sizeIndex = self.writeAMQPFrameHeader(type: .header, channel: channel)
        header.write(to: &self)
        self.finishAMQPFrame(sizeIndex: sizeIndex)
    }

    /// Writes `body` as body frames of at most `frameMax` bytes each, including the 8 bytes of frame overhead
    /// (§4.2.6.2). `frameMax` 0 means unlimited. An empty body writes no frame. A `frameMax` of 8 or less leaves no
    /// room and is treated as 9 (one byte per frame); the connection state machine enforces frame-min-size (4096).
    public mutating func writeAMQPBodyFrames(channel: AMQPChannelID, body: ByteBuffer, frameMax: Int) {
        let chunkSize = frameMax == 0 ? Int(UInt32.max) : max(frameMax - AMQPFrameLayout.overhead, 1)
        var remaining = body
        while remaining.readableBytes > 0 {
            var chunk = remaining.readSlice(length: min(chunkSize, remaining.readableBytes))!
            self.writeInteger(AMQPFrameType.body.rawValue)
            self.writeInteger(channel.rawValue)
            self.writeInteger(UInt32(chunk.readableBytes))
            self.writeBuffer(&chunk)
            self.writeInteger(AMQPFrameLayout.frameEnd)
        }
    }

    /// Writes a heartbeat frame (always on channel 0).
    public mutating func writeAMQPHeartbeatFrame() {
        self.writeInteger(AMQPFrameType.heartbeat.rawValue)
        self.writeInteger(UInt16(0))
        self.writeInteger(UInt32(0))
        self.writeInteger(AMQPFrameLayout.frameEnd)
    }

    /// Writes any frame; a body larger than `frameMax` (including overhead; 0 = unlimited) is split.
    public mutating func writeAMQPFrame(_ frame: AMQPFrame, frameMax: Int) {
        switch frame {
        case .method(let channel, let method):
            self.writeAMQPMethodFrame(channel: channel, method: method)
        case .header(let channel, let header):
            self.writeAMQPContentHeaderFrame(channel: channel, header: header)
        case .body(let channel, let body):
            self.writeAMQPBodyFrames(channel: channel, body: body, frameMax: frameMax)
        case .heartbeat(let channel):
            self.writeInteger(AMQPFrameType.heartbeat.rawValue)
            self.writeInteger(channel.rawValue)
            self.writeInteger(UInt32(0))
            self.writeInteger(AMQPFrameLayout.frameEnd)
        }
    }

    /// Writes type and channel and a placeholder size; returns where the size goes.
    private mutating func writeAMQPFrameHeader(type: AMQPFrameType, channel: AMQPChannelID) -> Int {
        self.writeInteger(type.rawValue)
        self.writeInteger(channel.rawValue)
        let sizeIndex = self.writerIndex
        self.writeInteger(UInt32(0))
        return sizeIndex
    }

    private mutating func finishAMQPFrame(sizeIndex: Int) {
        self.setInteger(UInt32(self.writerIndex - sizeIndex - 4), at: sizeIndex)
        self.writeInteger(AMQPFrameLayout.frameEnd)
    }
}
