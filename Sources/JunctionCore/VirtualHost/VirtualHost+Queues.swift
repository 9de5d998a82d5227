public import JunctionModel
import JunctionStorage
import Logging

extension VirtualHost {
    /// Declares (or, with `passive`, checks) a queue. "" declares a server-named `amq.gen-…` queue.
    /// Every queue is bound to the default exchange by its own name.
    /// - Throws: `.resourceLocked` for another connection's exclusive queue; `.preconditionFailed` for
    ///   a redeclaration with other properties or arguments, or bad argument values; `.accessRefused`
    ///   for a new `amq.` name or without `configure` on the queue (a passive declaration needs no
    ///   permission, as in RabbitMQ); `.notFound` when passive and missing.
    public func declareQueue(
        _ name: String,
        durable: Bool,
        exclusive: Bool,
        autoDelete: Bool,
        arguments: FieldTable,
        passive: Bool,
        owner: ConnectionID,
        access: AccessContext
    ) throws(BrokerError) -> QueueDeclareOK {
        if !passive && !name.isEmpty {
            try access.authorize(.configure, .queue, name)
        }
        if let existing = self.queuesByName[name] {
            try self.checkAccess(existing, owner: owner)
            try self.checkNotFailed(existing)
            if !passive {
                let settings = try QueueArguments(arguments, queue: name)
                guard
                    existing.durable == durable && existing.autoDelete == autoDelete
                        && (existing.exclusiveOwner != nil) == exclusive && existing.argumentSettings == settings
                else {
                    throw .preconditionFailed("inequivalent arguments for queue '\(name)' in vhost '\(self.name)'")
                }
            }
            existing.lastUsed = self.clock.nowMilliseconds()
            if let partitioned = self.partitionedByName[name] {
                return QueueDeclareOK(
                    queue: name, messageCount: partitioned.messageCount, consumerCount: partitioned.consumerCount)
            }
            if let stream = self.streamsByName[name] {
                return QueueDeclareOK(
                    queue: name, messageCount: stream.messageCount, consumerCount: stream.consumerCount)
            }
            return QueueDeclareOK(queue: name, messageCount: existing.readyCount, consumerCount: existing.consumerCount)
        }
        if passive {
            throw .notFound("no queue '\(name)' in vhost '\(self.name)'")
        }
        if name.utf8.count > self.configuration.maxQueueNameLength {
            throw .preconditionFailed("queue name too long (\(name.utf8.count) bytes)")
        }
        if name.hasPrefix("amq.") {
            throw .accessRefused("queue name '\(name)' contains reserved prefix 'amq.*'")
        }
        let queueName = name.isEmpty ? self.generateQueueName() : name
        if name.isEmpty {
            // RabbitMQ checks a server-named queue under the name it generated.
            try access.authorize(.configure, .queue, queueName)
        }
        let settings = try QueueArguments(arguments, queue: queueName)
        if let size = settings.deduplication?.cacheSize, size > self.configuration.maxDeduplicationCacheEntries {
            throw .preconditionFailed(
                "invalid arg 'x-cache-size' for queue '\(queueName)': \(size) is over the limit of "
                    + "\(self.configuration.maxDeduplicationCacheEntries) (limits.max_deduplication_cache_entries)")
        }
        if settings.deduplication?.persistence == .disk && !durable {
            throw .preconditionFailed(
                "invalid arg 'x-cache-persistence' for queue '\(queueName)': 'disk' needs a durable queue")
        }
        if settings.stream != nil {
            try Self.checkStreamProperties(queueName, durable: durable, exclusive: exclusive, autoDelete: autoDelete)
        }
        if settings.isQuorum {
            try self.checkQuorumProperties(queueName, durable: durable, exclusive: exclusive, autoDelete: autoDelete)
        }
        if let count = settings.partitions {
            return try self.declarePartitionedStream(
                queueName, count: count, settings: settings, arguments: arguments, owner: owner, access: access)
        }
        let queue = MessageQueue(
            name: queueName,
            durable: durable,
            exclusiveOwner: exclusive ? owner : nil,
            autoDelete: autoDelete,
            arguments: arguments,
            settings: settings,
            host: self,
            clock: self.clock,
            store: self.store
        )
        self.applyPolicies(to: queue)
        var stream: StreamQueue?
        do {
            stream = try queue.settings.stream.map { arguments throws(BrokerError) in
                try self.openStream(queue, arguments)
            }
        } catch {
            // At start-up a stream whose log cannot be opened stays, failed, with its files, like a classic queue.
            guard self.suppressesMetadataWrites else { throw error }
            queue.noteStorageProblems(QueueStorageProblems(openFailure: error.detail))
        }
        if queue.isPersistedDefinition {
            let record = self.queueRecord(queue)
            try self.persist { try $0.declareQueue(record) }
        }
        self.queuesByName[queueName] = queue
        if let stream {
            self.streamsByName[queueName] = stream
            return QueueDeclareOK(queue: queueName, messageCount: stream.messageCount, consumerCount: 0)
        }
        if !queue.isFailed { queue.recoverStoredMessages() }
        return QueueDeclareOK(queue: queueName, messageCount: queue.readyCount, consumerCount: 0)
    }

    /// RabbitMQ's quorum queues are durable, shared and kept (406 with its words otherwise).
    private func checkQuorumProperties(
        _ name: String, durable: Bool, exclusive: Bool, autoDelete: Bool
    ) throws(BrokerError) {
        let invalid = !durable ? "non-durable" : exclusive ? "exclusive-owner" : autoDelete ? "auto-delete" : nil
        if let invalid {
            throw .preconditionFailed("invalid property '\(invalid)' for queue '\(name)' in vhost '\(self.name)'")
        }
    }

    private func generateQueueName() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        while true {
            var name = "amq.gen-"
            for _ in 0..<22 {
                name.append(alphabet[Int.random(in: 0..<alphabet.count)])
            }
            if self.queuesByName[name] == nil { return name }
        }
    }

    /// Needs `write` on the queue and `read` on the exchange (and the topic permission's `read` for
    /// the key on a topic exchange), as in RabbitMQ.
    public func bindQueue(
        _ queue: String,
        exchange: String,
        routingKey: String,
        arguments: FieldTable,
        owner: ConnectionID,
        access: AccessContext
    ) throws(BrokerError) {
        try self.authorizeBinding(queue, .queue, source: exchange, routingKey: routingKey, access: access)
        let (source, target) = try self.bindingEnds(queue: queue, exchange: exchange, owner: owner)
        try self.addBinding(
            Binding(source: source, destination: .queue(target), routingKey: routingKey, arguments: arguments))
    }

    /// Unbinding a binding that does not exist succeeds.
    public func unbindQueue(
        _ queue: String,
        exchange: String,
        routingKey: String,
        arguments: FieldTable,
        owner: ConnectionID,
        access: AccessContext
    ) throws(BrokerError) {
        try self.authorizeBinding(queue, .queue, source: exchange, routingKey: routingKey, access: access)
        let (source, target) = try self.bindingEnds(queue: queue, exchange: exchange, owner: owner)
        self.removeBinding(
            Binding(source: source, destination: .queue(target), routingKey: routingKey, arguments: arguments))
    }

    private func bindingEnds(
        queue: String,
        exchange: String,
        owner: ConnectionID
    ) throws(BrokerError) -> (Exchange, MessageQueue) {
        if exchange.isEmpty {
            throw .accessRefused("operation not permitted on the default exchange")
        }
        let target = try self.existingQueue(queue, owner: owner)
        if target.settings.partitions != nil {
            throw .preconditionFailed(
                "queue '\(queue)' in vhost '\(self.name)' is a partitioned stream: bind its exchange '\(queue)' instead"
            )
        }
        guard let source = self.exchanges[exchange] else {
            throw .notFound("no exchange '\(exchange)' in vhost '\(self.name)'")
        }
        return (source, target)
    }

    /// Removes the ready messages; returns how many. Needs `read` on the queue.
    public func purgeQueue(_ name: String, owner: ConnectionID, access: AccessContext) throws(BrokerError) -> Int {
        try access.authorize(.read, .queue, name)
        let queue = try self.existingQueue(name, owner: owner)
        if queue.isStream {
            throw .preconditionFailed("queue '\(name)' in vhost '\(self.name)' is a stream: purge is not supported")
        }
        // Messages still waiting for their delay go too (SQS PurgeQueue); the count is the ready ones.
        self.delayed.remove(target: .queue(name))
        return queue.purge()
    }

    /// Deletes a queue; returns its ready message count. Its consumers get `consumerCancelled`, its
    /// unacked deliveries are dropped. Deleting a missing queue returns 0 (RabbitMQ: idempotent).
    /// Needs `configure` on the queue.
    public func deleteQueue(
        _ name: String, ifUnused: Bool, ifEmpty: Bool, owner: ConnectionID, access: AccessContext
    ) throws(BrokerError) -> Int {
        try access.authorize(.configure, .queue, name)
        guard let queue = self.queuesByName[name] else { return 0 }
        try self.checkAccess(queue, owner: owner)
        if let parent = self.streamsByName[name]?.partitionOf, self.partitionedByName[parent] != nil {
            throw .preconditionFailed(
                "queue '\(name)' in vhost '\(self.name)' is a partition of '\(parent)': delete '\(parent)' instead")
        }
        if ifUnused && (self.partitionedByName[name]?.consumerCount ?? 0) > 0 {
            throw .preconditionFailed("queue '\(name)' in vhost '\(self.name)' in use")
        }
        if ifUnused && (queue.consumerCount > 0 || (self.streamsByName[name]?.consumerCount ?? 0) > 0) {
            throw .preconditionFailed("queue '\(name)' in vhost '\(self.name)' in use")
        }
        if ifEmpty && queue.readyCount > 0 {
            throw .preconditionFailed("queue '\(name)' in vhost '\(self.name)' not empty")
        }
        return self.removeQueue(queue)
    }

    /// Deletes the queue unconditionally (auto-delete, exclusive owner gone, x-expires, delete).
    @discardableResult
    func removeQueue(_ queue: MessageQueue) -> Int {
        guard self.queuesByName[queue.name] === queue, !queue.isDeleted else { return 0 }
        self.queuesByName[queue.name] = nil
        self.retiredStatistics = self.retiredStatistics + queue.statistics
        self.forgetQueueDelays(queue.name)
        for binding in queue.incoming {
            self.removeBinding(binding)
        }
        if let partitioned = self.partitionedByName.removeValue(forKey: queue.name) {
            self.removePartitions(of: partitioned)
        } else if queue.settings.partitions != nil {
            // A partitioned stream whose declaration failed half-way: nothing else to remove.
        } else if let stream = self.streamsByName.removeValue(forKey: queue.name) {
            self.closeStream(stream)
        } else if queue.isStream {
            // A stream whose log failed to open at start-up: dropping it removes its files.
            self.streamStorage.removeFiles(QueueStoreKey(virtualHost: self.name, queue: queue.name))
        } else {
            queue.dropStoredMessages()
        }
        if queue.isPersistedDefinition {
            let name = queue.name
            self.persistRemoval { _ = try $0.deleteQueue(virtualHost: self.name, name: name) }
        }
        let (cancelled, readyCount) = queue.tearDown()
        self.logger.debug("queue deleted", metadata: ["queue": "\(queue.name)"])
        for subscription in cancelled {
            subscription.consumer.consumerCancelled(subscription: subscription)
        }
        return readyCount
    }

    public func consume(
        queue: String,
        consumer: any MessageConsumer,
        tag: String,
        noAck: Bool,
        exclusive: Bool,
        prefetch: Int,
        sharedCredit: CreditPool?,
        arguments: FieldTable,
        owner: ConnectionID,
        access: AccessContext
    ) throws(BrokerError) -> Subscription {
        try access.authorize(.read, .queue, queue)
        let target = try self.existingQueue(queue, owner: owner)
        if target.isStream {
            throw .preconditionFailed(
                "queue '\(queue)' in vhost '\(self.name)' is a stream: consume it with stream offsets")
        }
        if target.consumers.contains(where: \.exclusive) || (exclusive && !target.consumers.isEmpty) {
            throw .accessRefused("queue '\(queue)' in vhost '\(self.name)' in exclusive use")
        }
        let subscription = Subscription(
            tag: tag,
            queue: target,
            consumer: consumer,
            noAck: noAck,
            exclusive: exclusive,
            prefetch: prefetch,
            creditPool: sharedCredit,
            arguments: arguments,
            owner: owner
        )
        target.add(subscription)
        return subscription
    }

    /// Needs `read` on the queue.
    public func get(
        queue: String, noAck: Bool, owner: ConnectionID, access: AccessContext
    ) throws(BrokerError) -> (delivery: Delivery, messageCount: Int)? {
        try self.gettableQueue(queue, owner: owner, access: access).get(noAck: noAck)
    }

    /// Up to `maximum` messages, unacknowledged, as one receive (SQS ReceiveMessage): in a queue with
    /// `x-message-groups` it may hold several messages of one group, in order. Needs `read` on the queue.
    public func getBatch(
        queue: String, maximum: Int, owner: ConnectionID, access: AccessContext
    ) throws(BrokerError) -> [Delivery] {
        try self.gettableQueue(queue, owner: owner, access: access).getBatch(maximum: maximum)
    }

    /// The queue a get reads: `read` on it, it exists and `owner` may use it, and it is not a stream
    /// (RabbitMQ refuses basic.get on streams the same way).
    private func gettableQueue(
        _ queue: String, owner: ConnectionID, access: AccessContext
    ) throws(BrokerError) -> MessageQueue {
        try access.authorize(.read, .queue, queue)
        let target = try self.existingQueue(queue, owner: owner)
        if target.isStream {
            throw .preconditionFailed(
                "queue '\(queue)' in vhost '\(self.name)' is a stream: basic.get is not supported")
        }
        return target
    }

    /// The binding rule: `write` on the destination, `read` on the source exchange, and on a topic
    /// exchange the topic permission's `read` for the binding key.
    func authorizeBinding(
        _ destination: String, _ kind: ProtectedResource, source: String, routingKey: String, access: AccessContext
    ) throws(BrokerError) {
        try access.authorize(.write, kind, destination)
        try access.authorize(.read, .exchange, source)
        if self.exchanges[source]?.type == .topic {
            try access.authorizeTopic(.read, exchange: source, routingKey: routingKey)
        }
    }

    /// A queue that exists, that `owner` may use, and that is not failed.
    func existingQueue(_ name: String, owner: ConnectionID) throws(BrokerError) -> MessageQueue {
        guard let queue = self.queuesByName[name] else {
            throw .notFound("no queue '\(name)' in vhost '\(self.name)'")
        }
        try self.checkAccess(queue, owner: owner)
        // Restoring keeps a failed queue's bindings: it stays in its routes and refuses what they bring.
        if !self.suppressesMetadataWrites { try self.checkNotFailed(queue) }
        return queue
    }

    /// A failed queue (its log could not be opened) refuses everything but delete.
    private func checkNotFailed(_ queue: MessageQueue) throws(BrokerError) {
        guard queue.isFailed else { return }
        throw .preconditionFailed(
            "queue '\(queue.name)' in vhost '\(self.name)' is failed: its log could not be opened at start-up "
                + "(\(queue.storageProblems?.openFailure ?? "unknown error")); its files are kept: repair them "
                + "and restart, or delete the queue (see Sources/JunctionStorage/README.md, 'A failed queue')")
    }

    private func checkAccess(_ queue: MessageQueue, owner: ConnectionID) throws(BrokerError) {
        if let exclusiveOwner = queue.exclusiveOwner, exclusiveOwner != owner {
            throw .resourceLocked(
                "cannot obtain exclusive access to locked queue '\(queue.name)' in vhost '\(self.name)'")
        }
    }

    /// Deletes the exclusive queues of a closed connection.
    func connectionClosed(_ id: ConnectionID) {
        for queue in self.queuesByName.values where queue.exclusiveOwner == id {
            self.removeQueue(queue)
        }
    }

    /// TTL expiry at the head of every queue, then `x-expires` for unused queues.
    func expire(now: UInt64) {
        for stream in self.streamsByName.values {
            stream.enforceRetention()
            stream.expireShareLocks(now: now)
        }
        for queue in self.queuesByName.values where self.streamsByName[queue.name] == nil {
            queue.expireMessages(now: now)
            if let expires = queue.settings.expires, queue.consumers.isEmpty, now >= queue.lastUsed &+ expires {
                self.removeQueue(queue)
            }
        }
    }
}
