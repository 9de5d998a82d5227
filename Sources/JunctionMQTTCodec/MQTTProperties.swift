public import NIOCore

/// MQTT 5 properties (section 2.2.2). One struct serves every packet; each packet uses a subset.
/// Absent properties are nil, so a packet without properties costs no allocation.
public struct MQTTProperties: Equatable, Sendable {
    public var payloadFormatIndicator: UInt8?
    public var messageExpiryInterval: UInt32?
    public var contentType: String?
    public var responseTopic: String?
    public var correlationData: ByteBuffer?
    /// Repeated in PUBLISH (one per matching subscription); at most one in SUBSCRIBE.
    public var subscriptionIdentifiers: [Int] = []
    public var sessionExpiryInterval: UInt32?
    public var assignedClientIdentifier: String?
    public var serverKeepAlive: UInt16?
    public var authenticationMethod: String?
    public var authenticationData: ByteBuffer?
    public var requestProblemInformation: UInt8?
    public var willDelayInterval: UInt32?
    public var requestResponseInformation: UInt8?
    public var responseInformation: String?
    public var serverReference: String?
    public var reasonString: String?
    public var receiveMaximum: UInt16?
    public var topicAliasMaximum: UInt16?
    public var topicAlias: UInt16?
    public var maximumQoS: UInt8?
    public var retainAvailable: UInt8?
    public var userProperties: [MQTTUserProperty] = []
    public var maximumPacketSize: UInt32?
    public var wildcardSubscriptionAvailable: UInt8?
    public var subscriptionIdentifierAvailable: UInt8?
    public var sharedSubscriptionAvailable: UInt8?

    public init() {}

    public var isEmpty: Bool { self == MQTTProperties() }

    /// Property identifiers (section 2.2.2.2).
    enum Identifier: UInt8 {
        case payloadFormatIndicator = 0x01
        case messageExpiryInterval = 0x02
        case contentType = 0x03
        case responseTopic = 0x08
        case correlationData = 0x09
        case subscriptionIdentifier = 0x0B
        case sessionExpiryInterval = 0x11
        case assignedClientIdentifier = 0x12
        case serverKeepAlive = 0x13
        case authenticationMethod = 0x15
        case authenticationData = 0x16
        case requestProblemInformation = 0x17
        case willDelayInterval = 0x18
        case requestResponseInformation = 0x19
        case responseInformation = 0x1A
        case serverReference = 0x1C
        case reasonString = 0x1F
        case receiveMaximum = 0x21
        case topicAliasMaximum = 0x22
        case topicAlias = 0x23
        case maximumQoS = 0x24
        case retainAvailable = 0x25
        case userProperty = 0x26
        case maximumPacketSize = 0x27
        case wildcardSubscriptionAvailable = 0x28
        case subscriptionIdentifierAvailable = 0x29
        case sharedSubscriptionAvailable = 0x2A
    }
}

/// A name/value pair (property 0x26), kept in the order the sender used.
public struct MQTTUserProperty: Equatable, Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension MQTTProperties {
    /// Reads the property length and the properties. A property given twice (other than user
    /// properties and subscription identifiers) is a protocol error [MQTT-2.2.2-2].
    static func decode(from buffer: inout ByteBuffer) throws(MQTTDecodingError) -> MQTTProperties {
        let length = try buffer.readMQTTVariableByteInteger()
        guard var bytes = buffer.readSlice(length: length) else { throw .truncated }
        var properties = MQTTProperties()
        var seen: UInt64 = 0
        while bytes.readableBytes > 0 {
            let raw = try bytes.readMQTTVariableByteInteger()
            guard raw <= 0x7F, let identifier = Identifier(rawValue: UInt8(raw)) else {
                throw .unknownProperty(UInt8(truncatingIfNeeded: raw))
            }
            if identifier != .userProperty && identifier != .subscriptionIdentifier {
                let bit: UInt64 = 1 << UInt64(identifier.rawValue)
                if seen & bit != 0 { throw .duplicateProperty(identifier.rawValue) }
                seen |= bit
            }
            try properties.read(identifier, from: &bytes)
        }
        return properties
    }

    private mutating func read(_ identifier: Identifier, from bytes: inout ByteBuffer) throws(MQTTDecodingError) {
        func flag(_ value: UInt8) throws(MQTTDecodingError) -> UInt8 {
            guard value <= 1 else { throw .invalidPropertyValue(identifier.rawValue) }
            return value
        }
        switch identifier {
        case .payloadFormatIndicator: self.payloadFormatIndicator = try flag(bytes.readMQTTByte())
        case .messageExpiryInterval: self.messageExpiryInterval = try bytes.readMQTTUInt32()
        case .contentType: self.contentType = try bytes.readMQTTString()
        case .responseTopic: self.responseTopic = try bytes.readMQTTString()
        case .correlationData: self.correlationData = try bytes.readMQTTBinary()
        case .subscriptionIdentifier:
            let value = try bytes.readMQTTVariableByteInteger()
            guard value != 0 else { throw .invalidPropertyValue(identifier.rawValue) }
            self.subscriptionIdentifiers.append(value)
        case .sessionExpiryInterval: self.sessionExpiryInterval = try bytes.readMQTTUInt32()
        case .assignedClientIdentifier: self.assignedClientIdentifier = try bytes.readMQTTString()
        case .serverKeepAlive: self.serverKeepAlive = try bytes.readMQTTUInt16()
        case .authenticationMethod: self.authenticationMethod = try bytes.readMQTTString()
        case .authenticationData: self.authenticationData = try bytes.readMQTTBinary()
        case .requestProblemInformation: self.requestProblemInformation = try flag(bytes.readMQTTByte())
        case .willDelayInterval: self.willDelayInterval = try bytes.readMQTTUInt32()
        case .requestResponseInformation: self.requestResponseInformation = try flag(bytes.readMQTTByte())
        case .responseInformation: self.responseInformation = try bytes.readMQTTString()
        case .serverReference: self.serverReference = try bytes.readMQTTString()
        case .reasonString: self.reasonString = try bytes.readMQTTString()
        case .receiveMaximum:
            let value = try bytes.readMQTTUInt16()
            guard value != 0 else { throw .invalidPropertyValue(identifier.rawValue) }
            self.receiveMaximum = value
        case .topicAliasMaximum: self.topicAliasMaximum = try bytes.readMQTTUInt16()
        case .topicAlias:
            let value = try bytes.readMQTTUInt16()
            guard value != 0 else { throw .invalidPropertyValue(identifier.rawValue) }
            self.topicAlias = value
        case .maximumQoS: self.maximumQoS = try flag(bytes.readMQTTByte())
        case .retainAvailable: self.retainAvailable = try flag(bytes.readMQTTByte())
        case .userProperty:
            let name = try bytes.readMQTTString()
            let value = try bytes.readMQTTString()
            self.userProperties.append(MQTTUserProperty(name: name, value: value))
        case .maximumPacketSize:
            let value = try bytes.readMQTTUInt32()
            guard value != 0 else { throw .invalidPropertyValue(identifier.rawValue) }
            self.maximumPacketSize = value
        case .wildcardSubscriptionAvailable: self.wildcardSubscriptionAvailable = try flag(bytes.readMQTTByte())
        case .subscriptionIdentifierAvailable: self.subscriptionIdentifierAvailable = try flag(bytes.readMQTTByte())
        case .sharedSubscriptionAvailable: self.sharedSubscriptionAvailable = try flag(bytes.readMQTTByte())
        }
    }

    /// Writes the property length and the properties, in identifier order.
    func encode(into buffer: inout ByteBuffer) {
        let lengthIndex = buffer.writerIndex
        // Properties of control packets are small; the length is fixed up below.
        buffer.writeRepeatingByte(0, count: 4)
        let start = buffer.writerIndex
        func id(_ identifier: Identifier) { buffer.writeInteger(identifier.rawValue) }
        if let v = self.payloadFormatIndicator {
            id(.payloadFormatIndicator)
            buffer.writeInteger(v)
        }
        if let v = self.messageExpiryInterval {
            id(.messageExpiryInterval)
            buffer.writeInteger(v)
        }
        if let v = self.contentType {
            id(.contentType)
            buffer.writeMQTTString(v)
        }
        if let v = self.responseTopic {
            id(.responseTopic)
            buffer.writeMQTTString(v)
        }
        if let v = self.correlationData {
            id(.correlationData)
            buffer.writeMQTTBinary(v)
        }
        for v in self.subscriptionIdentifiers {
            id(.subscriptionIdentifier)
            buffer.writeMQTTVariableByteInteger(v)
        }
        if let v = self.sessionExpiryInterval {
            id(.sessionExpiryInterval)
            buffer.writeInteger(v)
        }
        if let v = self.assignedClientIdentifier {
            id(.assignedClientIdentifier)
            buffer.writeMQTTString(v)
        }
        if let v = self.serverKeepAlive {
            id(.serverKeepAlive)
            buffer.writeInteger(v)
        }
        if let v = self.authenticationMethod {
            id(.authenticationMethod)
            buffer.writeMQTTString(v)
        }
        if let v = self.authenticationData {
            id(.authenticationData)
            buffer.writeMQTTBinary(v)
        }
        if let v = self.requestProblemInformation {
            id(.requestProblemInformation)
            buffer.writeInteger(v)
        }
        if let v = self.willDelayInterval {
            id(.willDelayInterval)
            buffer.writeInteger(v)
        }
        if let v = self.requestResponseInformation {
            id(.requestResponseInformation)
            buffer.writeInteger(v)
        }
        if let v = self.responseInformation {
            id(.responseInformation)
            buffer.writeMQTTString(v)
        }
        if let v = self.serverReference {
            id(.serverReference)
            buffer.writeMQTTString(v)
        }
        if let v = self.reasonString {
            id(.reasonString)
            buffer.writeMQTTString(v)
        }
        if let v = self.receiveMaximum {
            id(.receiveMaximum)
            buffer.writeInteger(v)
        }
        if let v = self.topicAliasMaximum {
            id(.topicAliasMaximum)
            buffer.writeInteger(v)
        }
        if let v = self.topicAlias {
            id(.topicAlias)
            buffer.writeInteger(v)
        }
        if let v = self.maximumQoS {
            id(.maximumQoS)
            buffer.writeInteger(v)
        }
        if let v = self.retainAvailable {
            id(.retainAvailable)
            buffer.writeInteger(v)
        }
        for p in self.userProperties {
            id(.userProperty)
            buffer.writeMQTTString(p.name)
            buffer.writeMQTTString(p.value)
        }
        if let v = self.maximumPacketSize {
            id(.maximumPacketSize)
            buffer.writeInteger(v)
        }
        if let v = self.wildcardSubscriptionAvailable {
            id(.wildcardSubscriptionAvailable)
            buffer.writeInteger(v)
        }
        if let v = self.subscriptionIdentifierAvailable {
            id(.subscriptionIdentifierAvailable)
            buffer.writeInteger(v)
        }
        if let v = self.sharedSubscriptionAvailable {
            id(.sharedSubscriptionAvailable)
            buffer.writeInteger(v)
        }
        let length = buffer.writerIndex - start
        let lengthSize = ByteBuffer.mqttVariableByteIntegerLength(length)
        if length > 0 {
            _ = try? buffer.copyBytes(at: start, to: lengthIndex + lengthSize, length: length)
        }
        buffer.moveWriterIndex(to: lengthIndex)
        buffer.writeMQTTVariableByteInteger(length)
        buffer.moveWriterIndex(to: lengthIndex + lengthSize + length)
    }
}
