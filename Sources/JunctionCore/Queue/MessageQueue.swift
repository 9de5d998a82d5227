import DequeModule
public import JunctionModel

/// A classic queue: competing consumers on one cursor, prefetch credit, acks, requeue,
/// dead-lettering, TTL and max-length. Confined to the engine loop; consumers are called synchronously.
public final class MessageQueue {
    public let name: String
    public let durable: Bool
    public let exclusiveOwner: ConnectionID?
    public let autoDelete: Bool
    public let arguments: FieldTable
    /// What its arguments alone say: a redeclaration must match these.
    let argumentSettings: QueueArguments
    /// What it runs with: `argumentSettings` with its policies applied (`VirtualHost+Policies`).
    var settings: QueueArguments
    /// The user policy and operator policy in effect, if any.
    public internal(set) var policy: Policy?
    public internal(set) var operatorPolicy: Policy?
    /// Settings an owning API changed after declaration (SQS `SetQueueAttributes`), in place of arguments.
    public internal(set) var overrides: QueueOverrides?

    /// The virtual host, for dead-lettering and self-deletion. Strong, and cleared by `tearDown()` (every queue
    /// leaves its host through `VirtualHost.removeQueue`): a weak reference would give the host a side table that
    /// sends every retain and release of it, once per publish, down the slow path.
    var host: VirtualHost?
    let clock: any BrokerClock
    let store: (any QueueStore)?
    let storeKey: QueueStoreKey
    /// Memory budgets and spill logs (`MessageQueue+Paging`), shared by the broker's queues.
    let paging: QueuePaging
    /// Where this queue pages messages that have no stored copy; opened when first needed.
    var spill: SpillLog?
    /// Opening or writing the spill log failed: transient messages stay in memory from then on.
    var spillUnavailable = false
    /// The window being read back (kept to reuse its storage).
    var pagingWindow: [PagedMessage] = []
    /// The next run of paged messages, read (or being read) on the read-ahead thread.
    var readAhead: PagedReadAhead?
    /// Runs of paged messages read back on the engine loop, and those taken whole from a read-ahead.
    public internal(set) var pagedRunsReadOnLoop = 0
    public internal(set) var pagedRunsReadAhead = 0

    /// Ready messages in delivery order (one FIFO, or one per priority with `x-max-priority`).
    var ready: ReadyMessages
    /// Small bodies at the end of `ready` not yet packed into a slab (see `MessageQueue+Packing`).
    var unpackedTailCount = 0
    var unpackedTailBytes = 0
    /// Body bytes of ready messages, paged ones included; the part in memory also counts in the
    /// broker-wide `paging.inMemoryBytes` (paging adjusts that for paged bytes).
    private(set) var readyBytes = 0 {
        didSet { self.paging.inMemoryBytes &+= self.readyBytes &- oldValue }
    }
    var unacked: [DeliveryID: Unacked] = [:]
    var consumers: [Subscription] = []
    var nextConsumerIndex = 0
    private var nextDeliveryID: UInt64 = 1
    var isDispatching = false
    var hadConsumer = false
    /// Last time the queue was used (declare, consume, cancel, get), for `x-expires`.
    var lastUsed: UInt64
    /// Incoming bindings (this queue is their destination), removed when the queue is deleted.
    var incoming: Set<Binding> = []
    /// Publish epoch of the last time a route selected this queue (deduplication without a set).
    var routeMark: UInt64 = 0
    public internal(set) var isDeleted = false
    /// Its log could not be opened at start-up: it takes no messages and every operation on it but
    /// delete is refused (see `storageProblems`).
    public private(set) var isFailed = false
    /// What recovery found wrong with its log (a failure to open, segments set aside), if anything.
    public private(set) var storageProblems: QueueStorageProblems?
    /// Cumulative counters for metrics (the `published` count is messages this queue accepted).
    public internal(set) var statistics = MessageStatistics()
    /// `x-message-deduplication`: the ids remembered (`MessageQueue+Deduplication`); nil otherwise.
    var deduplication: DeduplicationCache?
    /// `x-message-groups`: groups in flight and messages held behind them (`MessageQueue+Groups`).
    var groups: MessageGroupState?

    struct Unacked {
        var entry: QueuedMessage
        /// nil for `get` deliveries, which hold no credit.
        var subscription: Subscription?
    }

    init(
        name: String,
        durable: Bool,
        exclusiveOwner: ConnectionID?,
        autoDelete: Bool,
        arguments: FieldTable,
        settings: QueueArguments,
        host: VirtualHost,
        clock: any BrokerClock,
        store: (any QueueStore)?
    ) {
        self.name = name
        self.durable = durable
        self.exclusiveOwner = exclusiveOwner
        self.autoDelete = autoDelete
        self.arguments = arguments
        self.argumentSettings = settings
        self.settings = settings
        self.ready = ReadyMessages(maxPriority: settings.maxPriority)
        self.host = host
        self.paging = host.paging
        self.clock = clock
        self.store = durable ? store : nil
        self.storeKey = QueueStoreKey(virtualHost: host.name, queue: name)
        self.lastUsed = clock.nowMilliseconds()
        self.deduplication = settings.deduplication.map {
            DeduplicationCache(
                capacity: $0.cacheSize ?? host.configuration.maxDeduplicationCacheEntries, timeToLive: $0.cacheTTL)
        }
        self.groups = settings.messageGroups ? MessageGroupState() : nil
    }

    public var readyCount: Int { self.ready.count + self.parkedCount }
    public var unackedCount: Int { self.unacked.count }
    public var consumerCount: Int { self.consumers.count }
    /// Ready messages (what AMQP calls the message count).
    public var messageCount: Int { self.readyCount }
    public var subscriptions: [Subscription] { self.consumers }
    /// With `x-single-active-consumer`: the consumer that receives, the first registered one still
    /// there; the others wait. Nil otherwise.
    public var activeConsumer: Subscription? {
        self.settings.singleActiveConsumer ? self.consumers.first : nil
    }

    // MARK: Enqueue

    /// Takes a routed message. Returns false when the queue refused it (`x-overflow` reject-publish).
    func enqueue(_ message: Message, ttl: UInt64?) -> Bool {
        // A consumer callback during this publish may have deleted a queue that was already routed to.
        guard !self.isDeleted, !self.isFailed else { return false }
        let deduplication = self.deduplication == nil ? .unchecked : self.admitDeduplicationID(of: message)
        // A duplicate is dropped as a successful publish (confirmed), as the deduplication plugin does.
        if case .duplicate = deduplication { return true }
        self.statistics.published += 1
        var entry = QueuedMessage(message: message, expiresAt: nil, deliveryCount: 0, redelivered: false)
        if let effective = Self.minimum(ttl, self.settings.messageTTL) {
            entry.expiresAt = self.clock.nowMilliseconds() &+ effective
        }
        // Fast path: nothing waiting and a consumer with credit; the message never enters the deque.
        if self.ready.isEmpty && !self.isDispatching && self.groups == nil, let subscription = self.nextConsumer() {
            self.isDispatching = true
            if !subscription.noAck || self.persistsDeduplicationWindow { self.persist(&entry) }
            self.deliver(entry, to: subscription)
            self.isDispatching = false
            self.dispatch()
            return true
        }
        if self.wouldOverflow(adding: entry.size) {
            switch self.settings.overflow {
            case .rejectPublish:
                self.statistics.published -= 1
                self.forget(deduplication)
                return false
            case .rejectPublishDLX:
                self.statistics.published -= 1
                self.forget(deduplication)
                self.deadLetter(entry, reason: .maxlen)
                return false
            case .dropHead:
                break
            }
        }
        self.persist(&entry)
        if !self.pageOut(entry) {
            self.readyBytes += entry.size
            self.appendReady(consume entry)
        }
        self.dropHeadWhileOverLimit()
        self.dispatch()
        return true
    }

    /// `x-overflow: drop-head` (the default): the oldest ready messages go (dead-lettered) while the
    /// queue is over a limit. Also run when a policy lowers a limit.
    func dropHeadWhileOverLimit() {
        guard self.settings.overflow == .dropHead else { return }
        while self.isOverLimit, let head = self.popReady() {
            self.settle(head)
            self.deadLetter(head, reason: .maxlen)
        }
    }

    private func wouldOverflow(adding size: Int) -> Bool {
        if let maxLength = self.settings.maxLength, self.readyCount >= maxLength { return true }
        if let maxBytes = self.settings.maxLengthBytes, self.readyBytes + size > maxBytes { return true }
        return false
    }

    private var isOverLimit: Bool {
        if let maxLength = self.settings.maxLength, self.readyCount > maxLength { return true }
        if let maxBytes = self.settings.maxLengthBytes, self.readyBytes > maxBytes { return true }
        return false
    }

    private static func minimum(_ lhs: UInt64?, _ rhs: UInt64?) -> UInt64? {
        switch (lhs, rhs) {
        case (nil, nil): nil
        case (let value?, nil), (nil, let value?): value
        case (let a?, let b?): min(a, b)
        }
    }

    /// Puts recovered messages back (declare of a durable queue after a restart).
    private func restore(_ recovered: inout RecoveredMessages) {
        for record in recovered.messages {
            var entry = QueuedMessage(
                message: record.message,
                expiresAt: nil,
                deliveryCount: record.deliveryCount,
                redelivered: record.delivered,
                storeSequence: record.sequence
            )
            if let ttl = self.settings.messageTTL {
                entry.expiresAt = self.clock.nowMilliseconds() &+ ttl
            }
            self.readyBytes += entry.size
            self.ready.append(entry)
        }
        self.restorePaged(&recovered.paged)
        self.rememberRecoveredDeduplicationIDs()
    }

    // MARK: Dispatch

    /// Delivers ready messages round-robin to consumers that have credit and are writable.
    /// Re-entrant calls (from inside a consumer's `deliver`) return at once; the outer loop continues.
    func dispatch() {
        guard !self.isDispatching else { return }
        self.isDispatching = true
        defer { self.isDispatching = false }
        if self.groups != nil { return self.dispatchGrouped() }
        while !self.isDeleted, !self.ready.isEmpty, let subscription = self.nextConsumer() {
            guard let entry = self.popLiveHead() else { break }
            self.deliver(entry, to: subscription)
        }
    }

    func nextConsumer() -> Subscription? {
        if self.settings.singleActiveConsumer {
            return self.activeConsumer.flatMap { $0.canReceive ? $0 : nil }
        }
        let count = self.consumers.count
        guard count > 0 else { return nil }
        for offset in 0..<count {
            let index = (self.nextConsumerIndex + offset) % count
            let subscription = self.consumers[index]
            if subscription.canReceive {
                self.nextConsumerIndex = (index + 1) % count
                return subscription
            }
        }
        return nil
    }

    func deliver(_ entry: consuming QueuedMessage, to subscription: Subscription) {
        var entry = entry
        entry.deliveryCount += 1
        self.noteDelivered(entry)
        let id = self.takeDeliveryID()
        let delivery = Delivery(
            queue: self,
            id: id,
            message: entry.message,
            redelivered: entry.redelivered,
            deliveryCount: entry.deliveryCount
        )
        self.statistics.delivered += 1
        if entry.redelivered { self.statistics.redelivered += 1 }
        if subscription.noAck {
            self.settle(entry)
        } else {
            self.unacked[id] = Unacked(entry: consume entry, subscription: subscription)
            subscription.tookDelivery()
        }
        subscription.consumer.deliver(delivery, subscription: subscription)
    }

    private func takeDeliveryID() -> DeliveryID {
        let id = DeliveryID(self.nextDeliveryID)
        self.nextDeliveryID += 1
        return id
    }

    /// basic.get: the head message (expired ones are dead-lettered first) and the ready count after it.
    func get(noAck: Bool) -> (delivery: Delivery, messageCount: Int)? {
        self.lastUsed = self.clock.nowMilliseconds()
        guard let entry = self.groups == nil ? self.popLiveHead() : self.popGroupedHead(locking: !noAck) else {
            return nil
        }
        return (self.handOut(entry, noAck: noAck), self.readyCount)
    }

    /// Up to `maximum` head messages, unacknowledged (SQS ReceiveMessage). In a group queue the batch
    /// may take several messages of a group it holds, in order, while no one else gets any of that group
    /// until they are all settled.
    func getBatch(maximum: Int) -> [Delivery] {
        self.lastUsed = self.clock.nowMilliseconds()
        let owner = self.groups == nil ? 0 : self.newGroupOwner()
        var deliveries: [Delivery] = []
        while deliveries.count < maximum {
            guard let entry = self.groups == nil ? self.popLiveHead() : self.popGroupedHead(locking: true, owner: owner)
            else { break }
            let group = self.groups == nil ? nil : entry.message.headerKey(QueueArguments.groupHeader)
            deliveries.append(self.handOut(entry, noAck: false))
            // As SQS: as many of the same group as possible first.
            guard let group, deliveries.count < maximum else { continue }
            for more in self.gatherGroup(group, room: maximum - deliveries.count) {
                deliveries.append(self.handOut(more, noAck: false))
            }
        }
        return deliveries
    }

    private func handOut(_ entry: consuming QueuedMessage, noAck: Bool) -> Delivery {
        var entry = entry
        entry.deliveryCount += 1
        self.noteDelivered(entry)
        let id = self.takeDeliveryID()
        let delivery = Delivery(
            queue: self,
            id: id,
            message: entry.message,
            redelivered: entry.redelivered,
            deliveryCount: entry.deliveryCount
        )
        self.statistics.delivered += 1
        if entry.redelivered { self.statistics.redelivered += 1 }
        if noAck {
            self.settle(entry)
        } else {
            self.unacked[id] = Unacked(entry: entry, subscription: nil)
        }
        return delivery
    }

    // MARK: Expiry

    /// Pops the head, dead-lettering expired messages on the way (expiry is checked at the head).
    /// The head is popped before it is looked at: reading `ready.first` would copy the whole entry.
    func popLiveHead() -> QueuedMessage? {
        var now: UInt64?
        while let head = self.popReady() {
            if let expiresAt = head.expiresAt {
                let current = now ?? self.clock.nowMilliseconds()
                now = current
                if expiresAt <= current {
                    self.settle(head)
                    self.deadLetter(head, reason: .expired)
                    continue
                }
            }
            return head
        }
        return nil
    }

    /// Dead-letters expired messages at the head (called by `Broker.expireMessages()`).
    func expireMessages(now: UInt64) {
        while let (level, isPaged) = self.ready.expiredHead(now: now) {
            if isPaged {
                self.loadPaged(level: level)
                continue
            }
            guard let head = self.ready.popExpired(level: level) else { break }
            self.headRemovedFromReady(head)
            self.readyBytes -= head.size
            self.settle(head)
            self.deadLetter(head, reason: .expired)
        }
    }

    func popReady() -> QueuedMessage? {
        while let level = self.ready.levelNeedingLoad() { self.loadPaged(level: level) }
        guard let head = self.ready.popFirst() else { return nil }
        self.headRemovedFromReady(head)
        self.readyBytes -= head.size
        return head
    }

    // MARK: Store

    private func persist(_ entry: inout QueuedMessage) {
        guard let store = self.store, entry.storeSequence == nil, entry.message.properties.isPersistent else { return }
        entry.storeSequence = store.append(entry.message, queue: self.storeKey)
    }

    /// A stored message went out: after a restart it is flagged redelivered (and a quorum queue's
    /// keeps its delivery count).
    func noteDelivered(_ entry: QueuedMessage) {
        if let sequence = entry.storeSequence {
            self.store?.delivered(sequence: sequence, queue: self.storeKey)
            if self.settings.isQuorum {
                self.store?.countDeliveries(entry.deliveryCount, sequence: sequence, queue: self.storeKey)
            }
        }
    }

    /// The message leaves this queue for good.
    func settle(_ entry: QueuedMessage) {
        if let sequence = entry.storeSequence {
            self.store?.settle(sequence: sequence, queue: self.storeKey)
        }
        if self.deduplication != nil { self.forgetDeduplicationID(of: entry) }
    }

    func adjustReadyBytes(by delta: Int) {
        self.readyBytes += delta
    }

    /// The queue was deleted: its stored messages go too.
    func dropStoredMessages() {
        self.store?.removeQueue(self.storeKey)
    }

    /// Messages recovered from the store when a durable queue is declared.
    /// Whether it is the queue behind a stream (`x-queue-type: stream`).
    public var isStream: Bool { self.settings.stream != nil }
    /// Declared with `x-queue-type: quorum` (on one node: a durable classic queue with delivery limits).
    public var isQuorum: Bool { self.settings.isQuorum }

    /// RabbitMQ's `effective_policy_definition`: the policy's definition capped by the operator policy.
    public var effectivePolicyDefinition: PolicyDefinition {
        (self.policy?.definition ?? PolicyDefinition()).capped(by: self.operatorPolicy?.definition)
    }

    /// Recovery found problems with its log; a failure to open makes it failed.
    func noteStorageProblems(_ problems: QueueStorageProblems) {
        self.storageProblems = problems
        self.isFailed = problems.openFailure != nil
    }

    func recoverStoredMessages() {
        guard let store = self.store else { return }
        let budget = self.pagesMessages && store.canReadStored ? self.paging.roomForQueue : Int.max
        var recovered = store.recover(queue: self.storeKey, bodyBudget: budget)
        self.storageProblems = store.problems(queue: self.storeKey)
        self.isFailed = self.storageProblems?.openFailure != nil
        self.restore(&recovered)
    }

    func deadLetter(_ entry: QueuedMessage, reason: DeathReason) {
        self.statistics.deadLettered += 1
        self.host?.deadLetter(entry.message, from: self, reason: reason)
    }
}

@available(*, unavailable)
extension MessageQueue: Sendable {}
