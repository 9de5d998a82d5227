import JunctionModel
public import NIOCore

/// PUBLISH (section 3.3). The payload is a slice of the receive buffer.
public struct MQTTPublish: Equatable, Sendable {
    /// Empty when an MQTT 5 topic alias stands for it.
    public var topic: String
    public var qos: MQTTQoS
    public var retain: Bool
    public var dup: Bool
    /// Present exactly when `qos > 0`.
    public var packetID: MQTTPacketID?
    public var properties: MQTTProperties
    public var payload: ByteBuffer

    public init(
        topic: String,
        qos: MQTTQoS,
        retain: Bool = false,
        dup: Bool = false,
        packetID: MQTTPacketID? = nil,
        properties: MQTTProperties = MQTTProperties(),
        payload: ByteBuffer
    ) {
        self.topic = topic
        self.qos = qos
        self.retain = retain
        self.dup = dup
        self.packetID = packetID
        self.properties = properties
        self.payload = payload
    }
}

extension MQTTPublish {
    static func decode(
        _ body: inout ByteBuffer, flags: UInt8, version: MQTTProtocolVersion, topics: inout RepeatedStringCache
    ) throws(MQTTDecodingError) -> MQTTPublish {
        guard let qos = MQTTQoS(rawValue: (flags >> 1) & 0x03) else { throw .invalidQoS }
        let dup = flags & 0x08 != 0
        // DUP must be 0 for QoS 0 [MQTT-3.3.1-2].
        if qos == .atMostOnce && dup { throw .reservedFlags(packetType: 3, flags: flags) }
        let topic = try body.readMQTTString(cache: &topics)
        var packetID: MQTTPacketID?
        if qos != .atMostOnce {
            let raw = try body.readMQTTUInt16()
            guard raw != 0 else { throw .zeroPacketID }
            packetID = MQTTPacketID(raw)
        }
        let properties = version == .v5 ? try MQTTProperties.decode(from: &body) : MQTTProperties()
        let payload = body.readSlice(length: body.readableBytes)!
        return MQTTPublish(
            topic: topic,
            qos: qos,
            retain: flags & 0x01 != 0,
            dup: dup,
            packetID: packetID,
            properties: properties,
            payload: payload
        )
    }

    var firstByte: UInt8 {
        var byte = MQTTPacketType.publish.rawValue << 4 | self.qos.rawValue << 1
        if self.dup { byte |= 0x08 }
        if self.retain { byte |= 0x01 }
        return byte
    }

    @discardableResult
    func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) -> Int {
        buffer.writeMQTTPacket(firstByte: self.firstByte, payload: self.payload) { body in
            body.writeMQTTString(self.topic)
            if let packetID = self.packetID { body.writeInteger(packetID.rawValue) }
            if version == .v5 { self.properties.encode(into: &body) }
        }
    }
}
