public import JunctionModel
public import NIOCore

/// The delivery hot path: basic.deliver, and the content header and body of any message (delivery, get-ok,
/// return), written as raw bytes into space reserved once per frame. Each `writeInteger` on a `ByteBuffer` is a
/// separate call with its own exclusivity check inside NIO (a fifth of the delivery path in perf); here there is one per frame. Anything the fast
/// path does not cover (names over 255 bytes, properties beyond delivery mode and priority, a body split by
/// frame_max) is written by the general encoders, so the bytes are the same either way.
extension ByteBuffer {
    /// Writes the frames of one delivery: basic.deliver, the content header and the body frames.
    public mutating func writeAMQPDelivery(
        channel: AMQPChannelID, consumerTag: String, deliveryTag: UInt64, redelivered: Bool, exchange: String,
        routingKey: String, properties: MessageProperties, body: ByteBuffer, frameMax: Int
    ) {
        self.writeAMQPBasicDeliverFrame(
            channel: channel, consumerTag: consumerTag, deliveryTag: deliveryTag, redelivered: redelivered,
            exchange: exchange, routingKey: routingKey)
        self.writeAMQPContent(channel: channel, properties: properties, body: body, frameMax: frameMax)
    }

    /// Writes the content header frame and the body frames of one message (none for an empty body), the body
    /// split by `frameMax` (0: unlimited). Deliveries, basic.get-ok and basic.return all go through here.
    public mutating func writeAMQPContent(
        channel: AMQPChannelID, properties: MessageProperties, body: ByteBuffer, frameMax: Int
    ) {
        let bodySize = body.readableBytes
        if properties.hasOnlyInlineProperties {
            self.writeInlineContentHeaderFrame(channel: channel, bodySize: bodySize, properties: properties)
        } else {
            self.writeAMQPContentHeaderFrame(channel: channel, bodySize: UInt64(bodySize), properties: properties)
        }
        guard bodySize > 0 else { return }
        if frameMax == 0 || bodySize + AMQPFrameLayout.overhead <= frameMax {
            self.writeSingleBodyFrame(channel: channel, body: body)
        } else {
            self.writeAMQPBodyFrames(channel: channel, body: body, frameMax: frameMax)
        }
    }

    /// Writes a basic.deliver method frame without building an `AMQPMethod`.
    public mutating func writeAMQPBasicDeliverFrame(
        channel: AMQPChannelID, consumerTag: String, deliveryTag: UInt64, redelivered: Bool, exchange: String,
        routingKey: String
    ) {
        let tagCount = consumerTag.utf8.count
        let exchangeCount = exchange.utf8.count
        let routingKeyCount = routingKey.utf8.count
        guard tagCount <= 255, exchangeCount <= 255, routingKeyCount <= 255 else {
            self.writeAMQPMethodFrame(
                channel: channel,
                method: .basicDeliver(
                    AMQPBasicDeliver(
                        consumerTag: consumerTag, deliveryTag: deliveryTag, redelivered: redelivered,
                        exchange: exchange, routingKey: routingKey)))
            return
        }
        let payloadSize = 4 + 1 + tagCount + 8 + 1 + 1 + exchangeCount + 1 + routingKeyCount
        let frameSize = AMQPFrameLayout.overhead + payloadSize
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: frameSize) { raw in
            var writer = AMQPRawFrameWriter(raw)
            writer.frameHeader(type: .method, channel: channel, payloadSize: payloadSize)
            writer.integer(UInt16(60))
            writer.integer(UInt16(60))
            writer.shortString(consumerTag)
            writer.integer(deliveryTag)
            writer.integer(UInt8(redelivered ? 1 : 0))
            writer.shortString(exchange)
            writer.shortString(routingKey)
            writer.integer(AMQPFrameLayout.frameEnd)
            return writer.offset
        }
    }

    /// A content header whose only properties are the inline ones: flags, then delivery mode and priority.
    private mutating func writeInlineContentHeaderFrame(
        channel: AMQPChannelID, bodySize: Int, properties: MessageProperties
    ) {
        var flags: UInt16 = 0
        var propertyBytes = 0
        if properties.deliveryMode != nil {
            flags |= MessagePropertyFlag.deliveryMode
            propertyBytes += 1
        }
        if properties.priority != nil {
            flags |= MessagePropertyFlag.priority
            propertyBytes += 1
        }
        let payloadSize = 2 + 2 + 8 + 2 + propertyBytes
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: AMQPFrameLayout.overhead + payloadSize) { raw in
            var writer = AMQPRawFrameWriter(raw)
            writer.frameHeader(type: .header, channel: channel, payloadSize: payloadSize)
            writer.integer(UInt16(60))
            writer.integer(UInt16(0))
            writer.integer(UInt64(bodySize))
            writer.integer(flags)
            if let mode = properties.deliveryMode { writer.integer(mode) }
            if let priority = properties.priority { writer.integer(priority) }
            writer.integer(AMQPFrameLayout.frameEnd)
            return writer.offset
        }
    }

    private mutating func writeSingleBodyFrame(channel: AMQPChannelID, body: ByteBuffer) {
        let bodySize = body.readableBytes
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: AMQPFrameLayout.overhead + bodySize) { raw in
            var writer = AMQPRawFrameWriter(raw)
            writer.frameHeader(type: .body, channel: channel, payloadSize: bodySize)
            body.withUnsafeReadableBytes { writer.bytes($0) }
            writer.integer(AMQPFrameLayout.frameEnd)
            return writer.offset
        }
    }
}

/// Big-endian writes into reserved bytes; the caller reserved exactly what it writes.
private struct AMQPRawFrameWriter {
    private let base: UnsafeMutableRawBufferPointer
    private(set) var offset = 0

    init(_ base: UnsafeMutableRawBufferPointer) {
        self.base = base
    }

    mutating func frameHeader(type: AMQPFrameType, channel: AMQPChannelID, payloadSize: Int) {
        self.integer(type.rawValue)
        self.integer(channel.rawValue)
        self.integer(UInt32(payloadSize))
    }

    mutating func integer<T: FixedWidthInteger>(_ value: T) {
        self.base.storeBytes(of: value.bigEndian, toByteOffset: self.offset, as: T.self)
        self.offset += MemoryLayout<T>.size
    }

    /// A length octet and the UTF-8 bytes; the caller checked the length fits.
    mutating func shortString(_ string: String) {
        let count = string.utf8.count
        self.integer(UInt8(truncatingIfNeeded: count))
        let copied =
            string.utf8.withContiguousStorageIfAvailable { utf8 in
                self.bytes(UnsafeRawBufferPointer(utf8))
                return true
            } ?? false
        if !copied {
            for byte in string.utf8 {
                self.integer(byte)
            }
        }
    }

    mutating func bytes(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        (self.base.baseAddress! + self.offset).copyMemory(from: source, byteCount: bytes.count)
        self.offset += bytes.count
    }
}
