/// A binding from a source exchange to a queue or an exchange. A binding is identified by all of
/// its fields: the same source, destination and routing key with different arguments (headers
/// exchanges) are two bindings. Storing an existing binding again is a no-op.
public struct BindingRecord: Hashable, Sendable {
    /// What the destination name refers to. Stored as its raw value.
    public enum DestinationKind: String, Hashable, Sendable, CaseIterable {
        case queue
        case exchange
    }

    public var virtualHost: String
    public var source: String
    public var destination: String
    public var destinationKind: DestinationKind
    public var routingKey: String
    public var arguments: [UInt8]

    public init(
        virtualHost: String,
        source: String,
        destination: String,
        destinationKind: DestinationKind = .queue,
        routingKey: String,
        arguments: [UInt8] = []
    ) {
        self.virtualHost = virtualHost
        self.source = source
        self.destination = destination
        self.destinationKind = destinationKind
        self.routingKey = routingKey
        self.arguments = arguments
    }
}
