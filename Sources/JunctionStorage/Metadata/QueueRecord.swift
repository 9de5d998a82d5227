/// A declared queue. `arguments` is the declaration's argument table, encoded by the caller.
public struct QueueRecord: Hashable, Sendable {
    /// How the queue stores its messages. Stored as its raw value.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case classic
        case stream
    }

    public var virtualHost: String
    public var name: String
    public var kind: Kind
    public var durable: Bool
    public var exclusive: Bool
    public var autoDelete: Bool
    public var arguments: [UInt8]
    /// The queue-level delivery delay in ms (0: none); set with `setQueueDeliveryDelay`, kept when the
    /// queue is declared again.
    public var deliveryDelayMilliseconds: UInt64

    public init(
        virtualHost: String,
        name: String,
        kind: Kind = .classic,
        durable: Bool = true,
        exclusive: Bool = false,
        autoDelete: Bool = false,
        arguments: [UInt8] = [],
        deliveryDelayMilliseconds: UInt64 = 0
    ) {
        self.virtualHost = virtualHost
        self.name = name
        self.kind = kind
        self.durable = durable
        self.exclusive = exclusive
        self.autoDelete = autoDelete
        self.arguments = arguments
        self.deliveryDelayMilliseconds = deliveryDelayMilliseconds
    }
}
