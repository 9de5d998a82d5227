/// A policy: applies `definition` (a JSON object, kept as text) to the queues and/or exchanges of
/// a virtual host whose names match `pattern`; the highest `priority` wins. An operator policy
/// (RabbitMQ's `operator_policies`) has its own namespace of names.
public struct PolicyRecord: Hashable, Sendable {
    /// A user policy, or an operator policy that caps what users set.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case user
        case operatorPolicy = "operator"
    }

    /// Which entities the policy applies to (RabbitMQ's `apply-to`). Stored as its raw value.
    public enum Target: String, Hashable, Sendable, CaseIterable {
        case all
        case queues
        case classicQueues = "classic_queues"
        case quorumQueues = "quorum_queues"
        case streams
        case exchanges
    }

    public var kind: Kind
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
        priority: Int = 0,
        kind: Kind = .user
    ) {
        self.kind = kind
        self.virtualHost = virtualHost
        self.name = name
        self.pattern = pattern
        self.applyTo = applyTo
        self.definition = definition
        self.priority = priority
    }
}
