public import NIOCore

/// Frames MQTT packets. Stateless: consumes nothing until a whole packet is buffered, and refuses
/// an oversize packet from its fixed header alone, before a byte of the body is buffered.
public struct MQTTPacketDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = MQTTRawPacket
    /// Largest remaining length accepted (the MQTT 5 Maximum Packet Size we announce, minus the header).
    public var maximumPacketSize: Int

    public init(maximumPacketSize: Int) {
        self.maximumPacketSize = maximumPacketSize
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> MQTTRawPacket? {
        try self.decodePacket(buffer: &buffer)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> MQTTRawPacket? {
        try self.decodePacket(buffer: &buffer)
    }

    public func decodePacket(buffer: inout ByteBuffer) throws(MQTTDecodingError) -> MQTTRawPacket? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self),
            let remaining = try buffer.getMQTTVariableByteInteger(at: start + 1)
        else { return nil }
        guard let type = MQTTPacketType(rawValue: first >> 4) else {
            throw .unknownPacketType(first >> 4)
        }
        guard remaining.value <= self.maximumPacketSize else {
            throw .packetTooLarge(remaining.value, limit: self.maximumPacketSize)
        }
        let headerLength = 1 + remaining.length
        guard let body = buffer.getSlice(at: start + headerLength, length: remaining.value) else { return nil }
        buffer.moveReaderIndex(forwardBy: headerLength + remaining.value)
        return MQTTRawPacket(type: type, flags: first & 0x0F, body: body)
    }

    /// The protocol level of a CONNECT at the start of `buffer` when its first bytes are there (the
    /// fixed header, the protocol name "MQTT" and the level byte): enough to answer a CONNECT that is
    /// refused before its body arrives in the client's own version. Nil for anything else.
    public static func connectProtocolVersion(in buffer: ByteBuffer) -> MQTTProtocolVersion? {
        let start = buffer.readerIndex
        guard buffer.getInteger(at: start, as: UInt8.self) == MQTTPacketType.connect.rawValue << 4,
            let remaining = try? buffer.getMQTTVariableByteInteger(at: start + 1),
            buffer.getInteger(at: start + 1 + remaining.length, as: UInt16.self) == 4,
            buffer.getString(at: start + 3 + remaining.length, length: 4) == "MQTT",
            let level = buffer.getInteger(at: start + 7 + remaining.length, as: UInt8.self)
        else { return nil }
        return MQTTProtocolVersion(rawValue: level)
    }
}
