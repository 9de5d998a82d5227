/// The protocol level of CONNECT: 4 is MQTT 3.1.1, 5 is MQTT 5.0.
public enum MQTTProtocolVersion: UInt8, Sendable, Comparable {
    case v311 = 4
    case v5 = 5

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Quality of service. Ordered, so a granted QoS is `min(published, subscribed)`.
public enum MQTTQoS: UInt8, Sendable, Comparable, CaseIterable {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A packet identifier (1...65535) of PUBLISH QoS > 0, PUBACK…PUBCOMP, SUBSCRIBE, UNSUBSCRIBE.
public struct MQTTPacketID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(_ rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public var description: String { "\(self.rawValue)" }
}

/// The control packet type, the high nibble of the first byte.
public enum MQTTPacketType: UInt8, Sendable {
    case connect = 1
    case connAck = 2
    case publish = 3
    case pubAck = 4
    case pubRec = 5
    case pubRel = 6
    case pubComp = 7
    case subscribe = 8
    case subAck = 9
    case unsubscribe = 10
    case unsubAck = 11
    case pingReq = 12
    case pingResp = 13
    case disconnect = 14
    case auth = 15
}
