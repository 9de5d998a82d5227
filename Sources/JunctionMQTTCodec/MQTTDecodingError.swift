/// Why bytes could not be decoded as an MQTT packet. Every case closes the connection; the handler
/// maps it to a reason code in one place (`MQTTReasonCode(_:)`).
public enum MQTTDecodingError: Error, Equatable, Sendable {
    /// A remaining length or variable byte integer with a continuation bit on its fourth byte.
    case malformedVariableByteInteger
    /// The remaining length exceeds the limit; detected from the fixed header alone.
    case packetTooLarge(Int, limit: Int)
    case unknownPacketType(UInt8)
    /// Fixed-header flag bits that the spec reserves (e.g. SUBSCRIBE without 0b0010).
    case reservedFlags(packetType: UInt8, flags: UInt8)
    case invalidQoS
    /// A field ended before its declared length, or bytes were left over.
    case truncated
    case trailingBytes
    /// A string that is not well-formed UTF-8, or holds U+0000 [MQTT-1.5.4-1, -2].
    case invalidUTF8
    case unsupportedProtocol(name: String, level: UInt8)
    case invalidConnectFlags
    case unknownProperty(UInt8)
    case duplicateProperty(UInt8)
    case propertyNotAllowed(UInt8)
    case invalidPropertyValue(UInt8)
    /// A packet that must carry at least one topic filter carried none.
    case emptyPayload
    case invalidSubscriptionOptions
    case invalidReasonCode(UInt8)
    /// Packet identifier 0 where one is required.
    case zeroPacketID
}
