public import NIOCore

/// CONNECT (section 3.1).
public struct MQTTConnect: Equatable, Sendable {
    public var protocolVersion: MQTTProtocolVersion
    public var clientID: String
    /// Clean Session (3.1.1) / Clean Start (5).
    public var cleanStart: Bool
    /// Seconds; 0 disables keep-alive.
    public var keepAlive: UInt16
    public var username: String?
    public var password: ByteBuffer?
    public var will: MQTTWill?
    public var properties: MQTTProperties

    public init(
        protocolVersion: MQTTProtocolVersion,
        clientID: String,
        cleanStart: Bool,
        keepAlive: UInt16,
        username: String? = nil,
        password: ByteBuffer? = nil,
        will: MQTTWill? = nil,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.protocolVersion = protocolVersion
        self.clientID = clientID
        self.cleanStart = cleanStart
        self.keepAlive = keepAlive
        self.username = username
        self.password = password
        self.will = will
        self.properties = properties
    }
}

/// The Will Message of a CONNECT.
public struct MQTTWill: Equatable, Sendable {
    public var topic: String
    public var payload: ByteBuffer
    public var qos: MQTTQoS
    public var retain: Bool
    /// Will properties (MQTT 5): will delay, expiry, content type, response topic, …
    public var properties: MQTTProperties

    public init(
        topic: String, payload: ByteBuffer, qos: MQTTQoS, retain: Bool, properties: MQTTProperties = MQTTProperties()
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }
}

extension MQTTConnect {
    static func decode(_ body: inout ByteBuffer, flags: UInt8) throws(MQTTDecodingError) -> MQTTConnect {
        guard flags == 0 else { throw .reservedFlags(packetType: 1, flags: flags) }
        let name = try body.readMQTTString()
        let level = try body.readMQTTByte()
        guard name == "MQTT", let version = MQTTProtocolVersion(rawValue: level) else {
            throw .unsupportedProtocol(name: name, level: level)
        }
        let connectFlags = try body.readMQTTByte()
        // Bit 0 is reserved [MQTT-3.1.2-3].
        guard connectFlags & 0x01 == 0 else { throw .invalidConnectFlags }
        let hasUsername = connectFlags & 0x80 != 0
        let hasPassword = connectFlags & 0x40 != 0
        let willRetain = connectFlags & 0x20 != 0
        let willQoSBits = (connectFlags >> 3) & 0x03
        let hasWill = connectFlags & 0x04 != 0
        let cleanStart = connectFlags & 0x02 != 0
        guard let willQoS = MQTTQoS(rawValue: willQoSBits) else { throw .invalidQoS }
        if !hasWill && (willQoSBits != 0 || willRetain) { throw .invalidConnectFlags }
        // 3.1.1 forbids a password without a user name [MQTT-3.1.2-22]; 5 allows it.
        if version == .v311 && hasPassword && !hasUsername { throw .invalidConnectFlags }
        let keepAlive = try body.readMQTTUInt16()
        let properties = version == .v5 ? try MQTTProperties.decode(from: &body) : MQTTProperties()
        let clientID = try body.readMQTTString()
        var will: MQTTWill?
        if hasWill {
            let willProperties = version == .v5 ? try MQTTProperties.decode(from: &body) : MQTTProperties()
            let topic = try body.readMQTTString()
            let payload = try body.readMQTTBinary()
            will = MQTTWill(
                topic: topic, payload: payload, qos: willQoS, retain: willRetain, properties: willProperties)
        }
        let username = hasUsername ? try body.readMQTTString() : nil
        let password = hasPassword ? try body.readMQTTBinary() : nil
        guard body.readableBytes == 0 else { throw .trailingBytes }
        return MQTTConnect(
            protocolVersion: version,
            clientID: clientID,
            cleanStart: cleanStart,
            keepAlive: keepAlive,
            username: username,
            password: password,
            will: will,
            properties: properties
        )
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeMQTTPacket(firstByte: MQTTPacketType.connect.rawValue << 4) { body in
            body.writeMQTTString("MQTT")
            body.writeInteger(self.protocolVersion.rawValue)
            var flags: UInt8 = 0
            if self.username != nil { flags |= 0x80 }
            if self.password != nil { flags |= 0x40 }
            if let will = self.will {
                flags |= 0x04 | (will.qos.rawValue << 3)
                if will.retain { flags |= 0x20 }
            }
            if self.cleanStart { flags |= 0x02 }
            body.writeInteger(flags)
            body.writeInteger(self.keepAlive)
            if self.protocolVersion == .v5 { self.properties.encode(into: &body) }
            body.writeMQTTString(self.clientID)
            if let will = self.will {
                if self.protocolVersion == .v5 { will.properties.encode(into: &body) }
                body.writeMQTTString(will.topic)
                body.writeMQTTBinary(will.payload)
            }
            if let username = self.username { body.writeMQTTString(username) }
            if let password = self.password { body.writeMQTTBinary(password) }
        }
    }
}
