import NIOCore

/// UNSUBSCRIBE (section 3.10).
public struct MQTTUnsubscribe: Equatable, Sendable {
    public var packetID: MQTTPacketID
    public var filters: [String]
    public var properties: MQTTProperties

    public init(packetID: MQTTPacketID, filters: [String], properties: MQTTProperties = MQTTProperties()) {
        self.packetID = packetID
        self.filters = filters
        self.properties = properties
    }
}

extension MQTTUnsubscribe {
    static func decode(
        _ body: inout ByteBuffer, flags: UInt8, version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTUnsubscribe {
        guard flags == 0x02 else { throw .reservedFlags(packetType: 10, flags: flags) }
        let raw = try body.readMQTTUInt16()
        guard raw != 0 else { throw .zeroPacketID }
        let properties = version == .v5 ? try MQTTProperties.decode(from: &body) : MQTTProperties()
        var filters: [String] = []
        while body.readableBytes > 0 {
            filters.append(try body.readMQTTString())
        }
        guard !filters.isEmpty else { throw .emptyPayload }
        return MQTTUnsubscribe(packetID: MQTTPacketID(raw), filters: filters, properties: properties)
    }

    func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) {
        buffer.writeMQTTPacket(firstByte: MQTTPacketType.unsubscribe.rawValue << 4 | 0x02) { body in
            body.writeInteger(self.packetID.rawValue)
            if version == .v5 { self.properties.encode(into: &body) }
            for filter in self.filters { body.writeMQTTString(filter) }
        }
    }
}
