import NIOCore

/// DISCONNECT (section 3.14) and AUTH (section 3.15): a reason code and properties, both omitted
/// when the reason is success and there are no properties. 3.1.1 DISCONNECT is empty.
public struct MQTTDisconnect: Equatable, Sendable {
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(reasonCode: MQTTReasonCode = .normalDisconnection, properties: MQTTProperties = MQTTProperties()) {
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTDisconnect {
    static func decode(
        _ body: inout ByteBuffer,
        type: MQTTPacketType,
        flags: UInt8,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTDisconnect {
        guard flags == 0 else { throw .reservedFlags(packetType: type.rawValue, flags: flags) }
        var packet = MQTTDisconnect()
        if version == .v5 {
            if body.readableBytes > 0 { packet.reasonCode = MQTTReasonCode(rawValue: try body.readMQTTByte()) }
            if body.readableBytes > 0 { packet.properties = try MQTTProperties.decode(from: &body) }
        }
        guard body.readableBytes == 0 else { throw .trailingBytes }
        return packet
    }

    func encode(into buffer: inout ByteBuffer, type: MQTTPacketType, version: MQTTProtocolVersion) {
        buffer.writeMQTTPacket(firstByte: type.rawValue << 4) { body in
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
