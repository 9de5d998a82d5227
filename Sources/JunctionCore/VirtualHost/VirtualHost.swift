public import JunctionModel
import JunctionStorage
import Logging

/// A namespace of exchanges, queues and bindings. Owns them; everything is confined to the engine loop.
public final class VirtualHost {
    public let name: String
    let configuration: BrokerConfiguration
    let clock: any BrokerClock
    let store: any QueueStore
    /// The broker's memory budgets of queued bodies and its spill directory.
    let paging: QueuePaging
    /// Group commit of `store`; publishers' confirms wait on it.
    public let durability: DurabilityMonitor
    /// Where durable definitions are written; nil keeps everything in memory.
    let metadata: MetadataStore?
    /// Stream logs and consumer-group offsets (shared by every virtual host).
    let streamStorage: StreamStorage
    /// The streams of this host by name; each also has its `MessageQueue` in `queuesByName`.
    var streamsByName: [String: StreamQueue] = [:]
    /// Partitioned streams by name; each has its `MessageQueue` in `queuesByName`, its partitions in
    /// `streamsByName` and its `x-partition` exchange in `exchanges`.
    var partitionedByName: [String: PartitionedStream] = [:]
    /// Set while definitions are rebuilt from `metadata` at start-up (so they are not written back)
    /// or a whole virtual host is removed (its rows go in one transaction).
    var suppressesMetadataWrites = false
    let logger: Logger

    var exchanges: [String: Exchange] = [:]
    var queuesByName: [String: MessageQueue] = [:]
    /// Channels consuming `amq.rabbitmq.reply-to`, by their reply address (`VirtualHost+DirectReplyTo`).
    var replyConsumers: [String: WeakReplyConsumer] = [:]
    /// User and operator policies by name (`VirtualHost+Policies`).
    var userPolicies: [String: Policy] = [:]
    var operatorPolicies: [String: Policy] = [:]
    private var routeEpoch: UInt64 = 0
    /// Counters of deleted queues, so totals never go backwards.
    var retiredStatistics = MessageStatistics()
    /// Messages published to this virtual host (routed or not).
    private var publishedCount = 0
    /// Reusable target lists: routing may nest (a dead-letter published while a publish enqueues),
    /// so each level takes its own list; in steady state no publish allocates one.
    var spareTargetLists: [[MessageQueue]] = []
    /// Messages waiting for their delay (`Delay/`): delayed exchanges, queue and per-message delays.
    let delayed = DelayedMessages()
    /// The delay of the publish in progress (`publish(_:delayMilliseconds:access:)`), which replaces
    /// the target queues' own delays; nil otherwise.
    var publishDelayOverride: UInt64?

    init(
        name: String,
        configuration: BrokerConfiguration,
        clock: any BrokerClock,
        store: any QueueStore,
        paging: QueuePaging,
        durability: DurabilityMonitor,
        metadata: MetadataStore?,
        streams: StreamStorage,
        logger: Logger
    ) {
        self.streamStorage = streams
        self.name = name
        self.configuration = configuration
        self.clock = clock
        self.store = store
        self.paging = paging
        self.durability = durability
        self.metadata = metadata
        var logger = logger
        logger[metadataKey: "vhost"] = "\(name)"
        self.logger = logger
        self.declareBuiltInExchanges()
    }

    private func declareBuiltInExchanges() {
        let builtIns: [(String, ExchangeType)] = [
            ("", .direct),
            ("amq.direct", .direct),
            ("amq.fanout", .fanout),
            ("amq.topic", .topic),
            ("amq.headers", .headers),
            ("amq.match", .headers),
        ]
        for (name, type) in builtIns {
            // Built-in arguments are empty, so creating them cannot fail.
            if let exchange = try? Exchange(
                name: name,
                type: type,
                durable: true,
                autoDelete: false,
                internal: false,
                arguments: [:],
                isDefault: name.isEmpty,
                topicCacheCapacity: self.configuration.topicRouteCacheCapacity,
                maxTopicWords: self.configuration.maxTopicWords
            ) {
                self.exchanges[name] = exchange
            }
        }
    }

    /// Cumulative counters over every queue this host ever had; `published` counts publishes to the
    /// host (routed or not), the rest are summed over queues.
    public var statistics: MessageStatistics {
        var total = self.queuesByName.values.reduce(self.retiredStatistics) { $0 + $1.statistics }
        total.published = self.publishedCount
        return total
    }

    public var queues: [MessageQueue] { self.queuesByName.values.sorted { $0.name < $1.name } }
    public func queue(named name: String) -> MessageQueue? { self.queuesByName[name] }
    public var allExchanges: [Exchange] { self.exchanges.values.sorted { $0.name < $1.name } }
    public func exchange(named name: String) -> Exchange? { self.exchanges[name] }

    /// Every binding, including the implicit default-exchange binding of each queue.
    public var bindings: [BindingInfo] {
        var result: [BindingInfo] = self.queues.map { queue in
            BindingInfo(
                source: "", destination: queue.name, destinationKind: .queue, routingKey: queue.name, arguments: [:])
        }
        for exchange in self.allExchanges {
            result.append(
                contentsOf: exchange.bindings.map(\.info).sorted {
                    ($0.destination, $0.routingKey) < ($1.destination, $1.routingKey)
                })
        }
        return result
    }

    // MARK: Publish

    /// Routes through exchanges (exchange-to-exchange bindings, alternate exchanges), enqueues and
    /// dispatches synchronously to ready consumers. Each queue receives the message at most once.
    /// Needs `write` on the exchange (and the topic permission's `write` for the routing key on a
    /// topic exchange); `access` caches the decision, so a steady publisher pays one comparison.
    public func publish(_ message: Message, access: AccessContext) throws(BrokerError) -> PublishOutcome {
        guard let exchange = self.exchanges[message.exchange] else {
            throw .notFound("no exchange '\(message.exchange)' in vhost '\(self.name)'")
        }
        try access.authorizePublish(to: exchange, routingKey: message.routingKey)
        if exchange.internal {
            throw .accessRefused("cannot publish to internal exchange '\(message.exchange)' in vhost '\(self.name)'")
        }
        // A key of fewer bytes than the limit cannot have more words: the count is skipped then.
        if message.routingKey.utf8.count >= self.configuration.maxTopicWords {
            let words = TopicTrie.wordCount(message.routingKey)
            if words > self.configuration.maxTopicWords {
                throw .preconditionFailed(
                    "routing key has \(words) words, more than the limit of \(self.configuration.maxTopicWords)")
            }
        }
        let ttl = try QueueArguments.messageTTL(message.properties.expiration)
        self.publishedCount += 1
        exchange.publishedIn += 1
        var targets = self.spareTargetLists.popLast() ?? []
        defer {
            targets.removeAll(keepingCapacity: true)
            self.spareTargetLists.append(targets)
        }
        self.collectTargets(from: exchange, message: message, into: &targets)
        // No queue has an `amq.rabbitmq.reply-to.…` name, so direct replies cost nothing until here.
        guard !targets.isEmpty else { return exchange.isDefault ? self.deliverReply(message) : .unroutable }
        exchange.publishedOut += 1
        var accepted = 0
        for queue in targets where self.accept(message, into: queue, ttl: ttl) {
            accepted += 1
        }
        return .routed(queueCount: accepted)
    }

    /// The queues a message published to `exchange` reaches, each once.
    func collectTargets(from exchange: Exchange, message: Message, into targets: inout [MessageQueue]) {
        self.routeEpoch &+= 1
        self.route(exchange, message, self.routeEpoch, &targets)
    }

    private func route(_ exchange: Exchange, _ message: Message, _ epoch: UInt64, _ targets: inout [MessageQueue]) {
        guard exchange.routeMark != epoch else { return }
        exchange.routeMark = epoch
        var matchedAny = false
        if exchange.isDefault {
            if let queue = self.queuesByName[message.routingKey] {
                matchedAny = true
                if queue.routeMark != epoch {
                    queue.routeMark = epoch
                    targets.append(queue)
                }
            }
        } else {
            if exchange.isDelayed, let delay = DelayHeader.delay(of: message) {
                // Held, and routed when due; like the plugin, the alternate exchange is not used now.
                self.scheduleDelayed(message, in: exchange, delayMilliseconds: delay)
                return
            }
            // A duplicate matches nothing (its alternate exchange, if any, takes it, as in RabbitMQ).
            let isDuplicate =
                exchange.deduplication != nil
                && !exchange.admitDeduplicated(message, now: self.clock.nowMilliseconds())
            if !isDuplicate {
                exchange.forEachMatch(message) { destination in
                    matchedAny = true
                    switch destination {
                    case .queue(let queue):
                        if queue.routeMark != epoch {
                            queue.routeMark = epoch
                            targets.append(queue)
                        }
                    case .exchange(let next):
                        self.route(next, message, epoch, &targets)
                    }
                }
            }
        }
        if !matchedAny, let alternateName = exchange.alternateExchange, let alternate = self.exchanges[alternateName] {
            self.route(alternate, message, epoch, &targets)
        }
    }

    // MARK: Dead-lettering

    /// Republishes a message that left `queue` unacknowledged to the queue's dead-letter exchange,
    /// with `x-death` updated. A missing dead-letter exchange drops the message, and so does a
    /// cycle (see `DeathHistory.isCycle`).
    func deadLetter(_ message: Message, from queue: MessageQueue, reason: DeathReason) {
        guard let exchangeName = queue.settings.deadLetterExchange else { return }
        guard let exchange = self.exchanges[exchangeName] else {
            self.logger.debug(
                "dead-letter exchange missing, message dropped",
                metadata: ["queue": "\(queue.name)", "exchange": "\(exchangeName)"]
            )
            return
        }
        var message = message
        DeathHistory.record(
            in: &message,
            queue: queue.name,
            reason: reason,
            timeSeconds: self.clock.nowMilliseconds() / 1000
        )
        message.exchange = exchangeName
        if let routingKey = queue.settings.deadLetterRoutingKey { message.routingKey = routingKey }
        message.properties.expiration = nil
        var targets = self.spareTargetLists.popLast() ?? []
        defer {
            targets.removeAll(keepingCapacity: true)
            self.spareTargetLists.append(targets)
        }
        self.collectTargets(from: exchange, message: message, into: &targets)
        for target in targets {
            if reason != .rejected && DeathHistory.isCycle(message, to: target.name) {
                self.logger.debug("dead-letter cycle, message dropped", metadata: ["queue": "\(target.name)"])
                continue
            }
            _ = self.accept(message, into: target, ttl: nil)
        }
    }
}

@available(*, unavailable)
extension VirtualHost: Sendable {}
