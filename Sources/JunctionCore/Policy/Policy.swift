/// A RabbitMQ policy: applies its definition to the queues (and/or exchanges) of a virtual host
/// whose names match `pattern`. Per entity the matching policy with the highest priority wins (on
/// a tie, the name that sorts first). An operator policy caps what users set; it has its own names.
/// Not `Sendable` (a compiled `Regex` is not): policies live on the engine loop.
public struct Policy {
    public enum Kind: Sendable, Equatable {
        case user
        case operatorPolicy
    }

    /// RabbitMQ's `apply-to`.
    public enum ApplyTo: String, CaseIterable, Sendable {
        case all
        case queues
        case classicQueues = "classic_queues"
        case quorumQueues = "quorum_queues"
        case streams
        case exchanges
    }

    public let kind: Kind
    public let name: String
    /// The expression as the user wrote it; unanchored, as RabbitMQ's `re:run`.
    public let pattern: String
    public let applyTo: ApplyTo
    public let priority: Int
    public let definition: PolicyDefinition
    private let regex: Regex<AnyRegexOutput>

    /// - Throws: `.preconditionFailed` for an invalid regular expression.
    public init(
        kind: Kind,
        name: String,
        pattern: String,
        applyTo: ApplyTo,
        priority: Int,
        definition: PolicyDefinition
    ) throws(BrokerError) {
        guard !name.isEmpty else { throw .preconditionFailed("a policy needs a name") }
        do {
            self.regex = try Regex(pattern)
        } catch {
            throw .preconditionFailed("invalid regular expression '\(pattern)': \(error)")
        }
        self.kind = kind
        self.name = name
        self.pattern = pattern
        self.applyTo = applyTo
        self.priority = priority
        self.definition = definition
    }

    func applies(to queue: MessageQueue) -> Bool {
        let kindMatches: Bool =
            switch self.applyTo {
            case .all, .queues: true
            case .classicQueues: !queue.isStream && !queue.isQuorum
            case .quorumQueues: queue.isQuorum
            case .streams: queue.isStream
            case .exchanges: false
            }
        return kindMatches && (try? self.regex.firstMatch(in: queue.name)) != nil
    }

    /// Whether `self` wins over `other` for an entity both match.
    func outranks(_ other: Policy) -> Bool {
        self.priority != other.priority ? self.priority > other.priority : self.name < other.name
    }
}
