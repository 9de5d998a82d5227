import NIOCore

/// CONNACK (section 3.2). `reasonCode` is the MQTT 5 reason; for 3.1.1 it is translated to a return code.
public struct MQTTConnAck: Equatable, Sendable {
    public var sessionPresent: Bool
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(sessionPresent: Bool, reasonCode: MQTTReasonCode, properties: MQTTProperties = MQTTProperties()) {
        self.sessionPresent = sessionPresent
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTConnAck {
    static func decode(
        _ body: inout ByteBuffer, flags: UInt8, version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTConnAck {
        guard flags == 0 else { throw .reservedFlags(packetType: 2, flags: flags) }
        let acknowledgeFlags = try body.readMQTTByte()
        guard acknowledgeFlags & 0xFE == 0 else { throw .invalidConnectFlags }
        let code = try body.readMQTTByte()
        let reason: MQTTReasonCode
        if version == .v5 {
            reason = MQTTReasonCode(rawValue: code)
        } else {
            let table: [MQTTReasonCode] = [
                .success, .unsupportedProtocolVersion, .clientIdentifierNotValid,
                .serverUnavailable, .badUserNameOrPassword, .notAuthorized,
            ]
            guard Int(code) < table.count else { throw .invalidReasonCode(code) }
            reason = table[Int(code)]
        }
        let properties = version == .v5 ? try MQTTProperties.decode(from: &body) : MQTTProperties()
        guard body.readableBytes == 0 else { throw .trailingBytes }
        return MQTTConnAck(sessionPresent: acknowledgeFlags & 1 != 0, reasonCode: reason, properties: properties)
    }

    func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) {
        buffer.writeMQTTPacket(firstByte: MQTTPacketType.connAck.rawValue << 4) { body in
            body.writeInteger(UInt8(self.sessionPresent ? 1 : 0))
            if version == .v5 {
                body.writeInteger(self.reasonCode.rawValue)
                self.properties.encode(into: &body)
            } else {
                body.writeInteger(self.reasonCode.v311ConnectReturnCode)
            }
        }
    }
}
