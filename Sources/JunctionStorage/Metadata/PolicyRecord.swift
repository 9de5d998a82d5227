/// A policy: applies `definition` (a JSON object, kept as text) to the queues and/or exchanges of
/// a virtual host whose names match `pattern`; the highest `priority` wins.
public struct PolicyRecord: Hashable, Sendable {
    /// Which entities the policy applies to (RabbitMQ's `apply-to`). Stored as its raw value.
    public enum Target: String, Hashable, Sendable, CaseIterable {
        case all
        case queues
        case classicQueues = "classic_queues"
        case streams
        case exchanges
    }

    public var virtualHost: String
    public var name: String
    public var pattern: String
    public var applyTo: Target
    public var definition: String
    public var priority: Int

    public init(
        virtualHost: String,
        name: String,
        pattern: String,
        applyTo: Target = .all,
        definition: String,
        priority: Int = 0
    ) {
        self.virtualHost = virtualHost
        self.name = name
        self.pattern = pattern
        self.applyTo = applyTo
        self.definition = definition
        self.priority = priority
    }
}
