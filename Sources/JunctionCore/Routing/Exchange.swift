public import JunctionModel

/// An exchange: its declaration and its bindings, indexed for its type. Confined to the engine loop.
public final class Exchange {
    public let name: String
    public let type: ExchangeType
    /// How its bindings match: its type, or for `x-delayed-message` its `x-delayed-type`.
    public let routingType: ExchangeType
    public let durable: Bool
    public let autoDelete: Bool
    public let `internal`: Bool
    public let arguments: FieldTable
    /// From the `alternate-exchange` argument: where messages go that match no binding here.
    public let alternateExchange: String?
    /// The default exchange "": routes to the queue named by the routing key; holds no bindings.
    let isDefault: Bool

    /// Outgoing bindings (this exchange is the source).
    private(set) var bindings: Set<Binding> = []
    /// Bindings whose destination is this exchange.
    var incoming: Set<Binding> = []
    /// Messages published to this exchange, and those it routed to at least one queue (the
    /// management API's `publish_in` and `publish_out`; plain counters on the engine loop).
    public internal(set) var publishedIn = 0
    public internal(set) var publishedOut = 0
    /// Publish epoch of the last visit, so each exchange routes at most once per publish (cycles).
    var routeMark: UInt64 = 0

    private var direct: [String: [BindingDestination]] = [:]
    private var fanout: [BindingDestination] = []
    private let topic = TopicTrie()
    private var headers: [(rule: HeadersBinding, destination: BindingDestination)] = []
    private var topicCache: [String: [BindingDestination]] = [:]
    /// `x-partition`: the destination bound with key `i` at index `i`.
    private var partitionSlots: [BindingDestination?] = []
    /// The partition the next message with an empty routing key goes to.
    private var nextRoundRobin = 0
    private let topicCacheCapacity: Int
    private let maxTopicWords: Int
    /// `x-message-deduplication` exchanges: the ids seen (`Exchange+Deduplication`); nil for other types.
    var deduplication: DeduplicationCache?

    init(
        name: String,
        type: ExchangeType,
        durable: Bool,
        autoDelete: Bool,
        internal: Bool,
        arguments: FieldTable,
        isDefault: Bool = false,
        topicCacheCapacity: Int,
        maxTopicWords: Int = 256,
        maxDeduplicationCacheEntries: Int = 100_000
    ) throws(BrokerError) {
        self.name = name
        self.type = type
        self.durable = durable
        self.autoDelete = autoDelete
        self.internal = `internal`
        self.arguments = arguments
        self.isDefault = isDefault
        self.topicCacheCapacity = topicCacheCapacity
        self.maxTopicWords = maxTopicWords
        self.routingType = try Self.routingType(of: type, arguments: arguments)
        if type == .messageDeduplication {
            self.deduplication = try Self.deduplicationCache(
                arguments, exchange: name, maxEntries: maxDeduplicationCacheEntries)
        }
        switch arguments["alternate-exchange"] {
        case nil:
            self.alternateExchange = nil
        case .some(let value):
            guard let name = value.stringValue else {
                throw .preconditionFailed("invalid alternate-exchange argument for exchange '\(name)'")
            }
            self.alternateExchange = name
        }
    }

    public var bindingCount: Int { self.bindings.count }

    /// An `x-delayed-message` exchange (it holds messages with a positive `x-delay` before routing).
    public var isDelayed: Bool { self.type == .delayedMessage }

    /// `x-delayed-message` needs `x-delayed-type` naming one of the four AMQP types; the plugin
    /// answers a missing or unknown one with 406 (RabbitMQ 4's `rabbit_exchange:check_type`).
    private static func routingType(of type: ExchangeType, arguments: FieldTable) throws(BrokerError) -> ExchangeType {
        if type == .messageDeduplication { return .fanout }
        guard type == .delayedMessage else { return type }
        guard let name = arguments["x-delayed-type"]?.stringValue else {
            throw .preconditionFailed("Invalid argument, 'x-delayed-type' must be an existing exchange type")
        }
        guard let routing = ExchangeType(rawValue: name), ExchangeType.delayable.contains(routing) else {
            throw .preconditionFailed("Invalid argument, 'x-delayed-type' must be an existing exchange type: '\(name)'")
        }
        return routing
    }

    /// Whether a redeclaration with these properties is equivalent (RabbitMQ compares only the
    /// alternate-exchange argument; a delayed exchange also its `x-delayed-type`, which decides its routing).
    func isEquivalent(
        type: ExchangeType,
        durable: Bool,
        autoDelete: Bool,
        internal: Bool,
        arguments: FieldTable
    ) -> Bool {
        self.type == type && self.durable == durable && self.autoDelete == autoDelete && self.internal == `internal`
            && self.alternateExchange == arguments["alternate-exchange"]?.stringValue
            && (type != .delayedMessage
                || self.arguments["x-delayed-type"]?.stringValue == arguments["x-delayed-type"]?.stringValue)
    }

    /// Adds the binding; false when it already existed (binding is idempotent).
    func add(_ binding: Binding) throws(BrokerError) -> Bool {
        guard !self.bindings.contains(binding) else { return false }
        switch self.routingType {
        case .direct:
            self.direct[binding.routingKey, default: []].append(binding.destination)
        case .fanout:
            self.fanout.append(binding.destination)
        case .topic:
            let words = TopicTrie.wordCount(binding.routingKey)
            guard words <= self.maxTopicWords else {
                throw .preconditionFailed(
                    "binding key has \(words) words, more than the limit of \(self.maxTopicWords)")
            }
            self.topic.insert(binding.routingKey, binding.destination)
            self.topicCache.removeAll()
        case .headers:
            let rule = try HeadersBinding(arguments: binding.arguments)
            self.headers.append((rule: rule, destination: binding.destination))
        case .partition:
            guard let index = Int(binding.routingKey), (0..<VirtualHost.maxPartitions).contains(index),
                String(index) == binding.routingKey
            else {
                throw .preconditionFailed(
                    "binding key '\(binding.routingKey)' of partition exchange '\(self.name)' is not a partition index")
            }
            guard index >= self.partitionSlots.count || self.partitionSlots[index] == nil else {
                throw .preconditionFailed("partition \(index) of exchange '\(self.name)' is already bound")
            }
            if index >= self.partitionSlots.count {
                self.partitionSlots += Array(repeating: nil, count: index + 1 - self.partitionSlots.count)
            }
            self.partitionSlots[index] = binding.destination
        case .delayedMessage, .messageDeduplication:
            // Never routing types: `routingType(of:arguments:)` resolves them (`x-delayed-type`, fanout).
            break
        }
        self.bindings.insert(binding)
        return true
    }

    /// Removes the binding; false when it did not exist.
    func remove(_ binding: Binding) -> Bool {
        guard self.bindings.remove(binding) != nil else { return false }
        switch self.routingType {
        case .direct:
            if var list = self.direct[binding.routingKey], let index = list.firstIndex(of: binding.destination) {
                list.remove(at: index)
                self.direct[binding.routingKey] = list.isEmpty ? nil : list
            }
        case .fanout:
            if let index = self.fanout.firstIndex(of: binding.destination) {
                self.fanout.remove(at: index)
            }
        case .topic:
            self.topic.remove(binding.routingKey, binding.destination)
            self.topicCache.removeAll()
        case .headers:
            let index = self.headers.firstIndex { entry in
                entry.destination == binding.destination && Self.sameRule(entry.rule, binding.arguments)
            }
            if let index { self.headers.remove(at: index) }
        case .partition:
            if let index = Int(binding.routingKey), index < self.partitionSlots.count {
                self.partitionSlots[index] = nil
                while self.partitionSlots.last.map({ $0 == nil }) ?? false { self.partitionSlots.removeLast() }
            }
        case .delayedMessage, .messageDeduplication:
            break
        }
        return true
    }

    private static func sameRule(_ rule: HeadersBinding, _ arguments: FieldTable) -> Bool {
        guard let other = try? HeadersBinding(arguments: arguments) else { return false }
        return other.mode == rule.mode
            && other.pairs.elementsEqual(rule.pairs) { $0.key == $1.key && $0.value == $1.value }
    }

    /// Calls `visit` for each destination of a matching binding (possibly more than once).
    /// The default exchange is handled by the virtual host, which knows its queues.
    func forEachMatch(_ message: Message, _ visit: (BindingDestination) -> Void) {
        switch self.routingType {
        case .direct:
            if let list = self.direct[message.routingKey] {
                for destination in list { visit(destination) }
            }
        case .fanout:
            for destination in self.fanout { visit(destination) }
        case .topic:
            if let cached = self.topicCache[message.routingKey] {
                for destination in cached { visit(destination) }
                return
            }
            var matched: [BindingDestination] = []
            self.topic.match(TopicTrie.words(message.routingKey)) { destination in
                if !matched.contains(destination) { matched.append(destination) }
            }
            if self.topicCache.count >= self.topicCacheCapacity { self.topicCache.removeAll(keepingCapacity: true) }
            if self.topicCacheCapacity > 0 { self.topicCache[message.routingKey] = matched }
            for destination in matched { visit(destination) }
        case .headers:
            for entry in self.headers where entry.rule.matches(message.properties.headers) {
                visit(entry.destination)
            }
        case .partition:
            let count = self.partitionSlots.count
            guard count > 0 else { return }
            let index: Int
            if message.routingKey.isEmpty {
                index = self.nextRoundRobin % count
                self.nextRoundRobin = index + 1
            } else {
                index = KafkaPartitioner.partition(forKey: message.routingKey, count: count)
            }
            if let destination = self.partitionSlots[index] { visit(destination) }
        case .delayedMessage, .messageDeduplication:
            break
        }
    }
}

@available(*, unavailable)
extension Exchange: Sendable {}
