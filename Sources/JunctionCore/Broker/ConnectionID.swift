/// Identifies one client connection across the engine (owner of exclusive queues, of subscriptions).
public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(_ rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public var description: String { "connection-\(self.rawValue)" }
}
