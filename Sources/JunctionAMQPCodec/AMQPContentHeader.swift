public import JunctionModel

/// A content header frame's payload (AMQP 0-9-1 §4.2.6.1): class, body size and the basic properties.
public struct AMQPContentHeader: Sendable, Equatable {
    /// Always 60 (basic) for the methods that carry content.
    public var classID: UInt16
    /// Unused by 0-9-1; sent as 0.
    public var weight: UInt16
    /// Total size of the body frames that follow.
    public var bodySize: UInt64
    public var properties: MessageProperties

    public init(classID: UInt16 = 60, weight: UInt16 = 0, bodySize: UInt64, properties: MessageProperties = .init()) {
        self.classID = classID
        self.weight = weight
        self.bodySize = bodySize
        self.properties = properties
    }
}
