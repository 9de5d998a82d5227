import NIOCore

/// PUBACK, PUBREC, PUBREL and PUBCOMP (sections 3.4-3.7): one shape, told apart by the packet type.
public struct MQTTPublishResponse: Equatable, Sendable {
    public var packetID: MQTTPacketID
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(
        packetID: MQTTPacketID, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = MQTTProperties()
    ) {
        self.packetID = packetID
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTPublishResponse {
    static func decode(
        _ body: inout ByteBuffer,
        type: MQTTPacketType,
        flags: UInt8,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTPublishResponse {
        let expectedFlags: UInt8 = type == .pubRel ? 0x02 : 0x00
        guard flags == expectedFlags else { throw .reservedFlags(packetType: type.rawValue, flags: flags) }
        let raw = try body.readMQTTUInt16()
        guard raw != 0 else { throw .zeroPacketID }
        var response = MQTTPublishResponse(packetID: MQTTPacketID(raw))
        if version == .v5 {
            // Reason code and properties may be omitted [MQTT-3.4.2.1].
            if body.readableBytes > 0 { response.reasonCode = MQTTReasonCode(rawValue: try body.readMQTTByte()) }
            if body.readableBytes > 0 { response.properties = try MQTTProperties.decode(from: &body) }
        }
        guard body.readableBytes == 0 else { throw .trailingBytes }
        return response
    }

    func encode(into buffer: inout ByteBuffer, type: MQTTPacketType, version: MQTTProtocolVersion) {
        let flags: UInt8 = type == .pubRel ? 0x02 : 0x00
        buffer.writeMQTTPacket(firstByte: type.rawValue << 4 | flags) { body in
            body.writeInteger(self.packetID.rawValue)
            guard version == .v5 else { return }
            if !self.properties.isEmpty {
                body.writeInteger(self.reasonCode.rawValue)
                self.properties.encode(into: &body)
            } else if self.reasonCode != .success {
                body.writeInteger(self.reasonCode.rawValue)
            }
        }
    }
}
