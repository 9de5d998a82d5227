public import NIOCore

/// Frames AMQP 0-9-1 input and decodes each frame, method arguments and content headers included (§4.2.3).
///
/// Stateless: it consumes nothing until a whole frame is buffered, so every prefix of a frame returns nil. The
/// protocol header is not a frame: read it first with `AMQPProtocolHeader.decode(_:)`.
public struct AMQPFrameDecoder: NIOSingleStepByteToMessageDecoder, Sendable {
    public typealias InboundOut = AMQPFrame

    /// The largest frame accepted, counting the 7-byte header and the frame-end octet (AMQP's frame-max).
    /// Checked from the header alone, before the payload is buffered. 0 means no limit.
    public var maxFrameSize: Int
    private var publishNames = AMQPPublishNameCache()
    private var lastProperties = AMQPPropertiesCache()

    public init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    public mutating func decode(buffer: inout ByteBuffer) throws(AMQPDecodingError) -> AMQPFrame? {
        let start = buffer.readerIndex
        guard let typeOctet = buffer.getInteger(at: start, as: UInt8.self) else { return nil }
        guard let type = AMQPFrameType(rawValue: typeOctet) else {
            throw AMQPDecodingError.unknownFrameType(typeOctet)
        }
        guard let channel = buffer.getInteger(at: start + 1, as: UInt16.self),
            let size = buffer.getInteger(at: start + 3, as: UInt32.self)
        else { return nil }
        let frameSize = Int(size) + AMQPFrameLayout.overhead
        guard self.maxFrameSize == 0 || frameSize <= self.maxFrameSize else {
            throw AMQPDecodingError.frameTooLarge(size: frameSize, limit: self.maxFrameSize)
        }
        let payloadStart = start + AMQPFrameLayout.headerSize
        guard let end = buffer.getInteger(at: payloadStart + Int(size), as: UInt8.self) else { return nil }
        guard end == AMQPFrameLayout.frameEnd else { throw AMQPDecodingError.invalidFrameEnd(end) }
        guard var payload = buffer.getSlice(at: payloadStart, length: Int(size)) else { return nil }

        let channelID = AMQPChannelID(channel)
        let frame: AMQPFrame
        switch type {
        case .method:
            frame = .method(channelID, try AMQPMethod.decode(payload: &payload, names: &self.publishNames))
        case .header:
            frame = .header(
                channelID, try AMQPContentHeader.decode(payload: &payload, properties: &self.lastProperties))
        case .body:
            frame = .body(channelID, payload)
        case .heartbeat:
            // §4.2.7: a heartbeat has no payload; any bytes it carries are ignored, as RabbitMQ does.
            frame = .heartbeat(channelID)
        }
        buffer.moveReaderIndex(forwardBy: frameSize)
        return frame
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws(AMQPDecodingError) -> AMQPFrame? {
        try self.decode(buffer: &buffer)
    }
}
