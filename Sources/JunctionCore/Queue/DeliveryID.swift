/// Identifies one delivery of one queue; monotonic per queue. A protocol channel maps it to its own
/// delivery tags and settles through `MessageQueue.ack` / `reject`.
public struct DeliveryID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(_ rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public static func < (lhs: DeliveryID, rhs: DeliveryID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "delivery-\(self.rawValue)" }
}
