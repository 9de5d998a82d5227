import NIOCore

/// SUBSCRIBE (section 3.8).
public struct MQTTSubscribe: Equatable, Sendable {
    public var packetID: MQTTPacketID
    public var subscriptions: [MQTTSubscription]
    public var properties: MQTTProperties

    public init(
        packetID: MQTTPacketID, subscriptions: [MQTTSubscription], properties: MQTTProperties = MQTTProperties()
    ) {
        self.packetID = packetID
        self.subscriptions = subscriptions
        self.properties = properties
    }
}

/// One topic filter of a SUBSCRIBE with its options (section 3.8.3.1).
public struct MQTTSubscription: Equatable, Hashable, Sendable {
    public enum RetainHandling: UInt8, Sendable {
        /// Send retained messages at subscribe.
        case sendOnSubscribe = 0
        /// Send them only when the subscription did not exist.
        case sendOnNewSubscribe = 1
        case doNotSend = 2
    }

    public var filter: String
    public var qos: MQTTQoS
    public var noLocal: Bool
    public var retainAsPublished: Bool
    public var retainHandling: RetainHandling

    public init(
        filter: String,
        qos: MQTTQoS,
        noLocal: Bool = false,
        retainAsPublished: Bool = false,
        retainHandling: RetainHandling = .sendOnSubscribe
    ) {
        self.filter = filter
        self.qos = qos
        self.noLocal = noLocal
        self.retainAsPublished = retainAsPublished
        self.retainHandling = retainHandling
    }

    var optionsByte: UInt8 {
        var byte = self.qos.rawValue | self.retainHandling.rawValue << 4
        if self.noLocal { byte |= 0x04 }
        if self.retainAsPublished { byte |= 0x08 }
        return byte
    }
}

extension MQTTSubscribe {
    static func decode(
        _ body: inout ByteBuffer, flags: UInt8, version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTSubscribe {
        guard flags == 0x02 else { throw .reservedFlags(packetType: 8, flags: flags) }
        let raw = try body.readMQTTUInt16()
        guard raw != 0 else { throw .zeroPacketID }
        let properties = version == .v5 ? try MQTTProperties.decode(from: &body) : MQTTProperties()
        if properties.subscriptionIdentifiers.count > 1 { throw .duplicateProperty(0x0B) }
        var subscriptions: [MQTTSubscription] = []
        while body.readableBytes > 0 {
            let filter = try body.readMQTTString()
            let options = try body.readMQTTByte()
            // 3.1.1: bits 2-7 reserved; 5: bits 6-7 reserved, retain handling 3 is malformed.
            let reservedMask: UInt8 = version == .v5 ? 0xC0 : 0xFC
            guard options & reservedMask == 0 else { throw .invalidSubscriptionOptions }
            guard let qos = MQTTQoS(rawValue: options & 0x03) else { throw .invalidQoS }
            guard let retainHandling = MQTTSubscription.RetainHandling(rawValue: (options >> 4) & 0x03) else {
                throw .invalidSubscriptionOptions
            }
            subscriptions.append(
                MQTTSubscription(
                    filter: filter,
                    qos: qos,
                    noLocal: options & 0x04 != 0,
                    retainAsPublished: options & 0x08 != 0,
                    retainHandling: retainHandling
                )
            )
        }
        // At least one filter [MQTT-3.8.3-2].
        guard !subscriptions.isEmpty else { throw .emptyPayload }
        return MQTTSubscribe(packetID: MQTTPacketID(raw), subscriptions: subscriptions, properties: properties)
    }

    func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) {
        buffer.writeMQTTPacket(firstByte: MQTTPacketType.subscribe.rawValue << 4 | 0x02) { body in
            body.writeInteger(self.packetID.rawValue)
            if version == .v5 { self.properties.encode(into: &body) }
            for subscription in self.subscriptions {
                body.writeMQTTString(subscription.filter)
                body.writeInteger(version == .v5 ? subscription.optionsByte : subscription.qos.rawValue)
            }
        }
    }
}
