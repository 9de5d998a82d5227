import NIOCore

/// SUBACK (section 3.9) and UNSUBACK (section 3.11): a packet identifier and one reason code per
/// filter. UNSUBACK of 3.1.1 carries no reason codes.
public struct MQTTSubAck: Equatable, Sendable {
    public var packetID: MQTTPacketID
    public var reasonCodes: [MQTTReasonCode]
    public var properties: MQTTProperties

    public init(packetID: MQTTPacketID, reasonCodes: [MQTTReasonCode], properties: MQTTProperties = MQTTProperties()) {
        self.packetID = packetID
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}

extension MQTTSubAck {
    static func decode(
        _ body: inout ByteBuffer,
        type: MQTTPacketType,
        flags: UInt8,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTSubAck {
        guard flags == 0 else { throw .reservedFlags(packetType: type.rawValue, flags: flags) }
        let raw = try body.readMQTTUInt16()
        guard raw != 0 else { throw .zeroPacketID }
        let properties = version == .v5 ? try MQTTProperties.decode(from: &body) : MQTTProperties()
        var codes: [MQTTReasonCode] = []
        codes.reserveCapacity(body.readableBytes)
        while body.readableBytes > 0 {
            codes.append(MQTTReasonCode(rawValue: try body.readMQTTByte()))
        }
        if type == .subAck && codes.isEmpty { throw .emptyPayload }
        return MQTTSubAck(packetID: MQTTPacketID(raw), reasonCodes: codes, properties: properties)
    }

    func encode(into buffer: inout ByteBuffer, type: MQTTPacketType, version: MQTTProtocolVersion) {
        buffer.writeMQTTPacket(firstByte: type.rawValue << 4) { body in
            body.writeInteger(self.packetID.rawValue)
            if version == .v5 {
                self.properties.encode(into: &body)
                for code in self.reasonCodes { body.writeInteger(code.rawValue) }
            } else if type == .subAck {
                for code in self.reasonCodes { body.writeInteger(code.v311SubscribeReturnCode) }
            }
        }
    }
}
