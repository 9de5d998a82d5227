public import JunctionModel
import JunctionStorage

/// Streams in a virtual host: each stream is a `MessageQueue` (for routing, bindings and
/// declaration) plus a `StreamQueue` that takes its messages and serves its consumers.
extension VirtualHost {
    /// The stream named `name`, if that queue is a stream.
    public func stream(named name: String) -> StreamQueue? { self.streamsByName[name] }

    public var streams: [StreamQueue] { self.streamsByName.values.sorted { $0.name < $1.name } }

    /// Attaches a consumer to a stream or, with `x-consumer-group`, to a partitioned stream (as a
    /// member of the group). The adapter sends its consume-ok, then calls `resume()`. Deliveries
    /// come from the `StreamSubscription` of one log; settle them through it.
    /// - Throws: as `consumeStream`; on a partitioned stream without `x-consumer-group`, `.preconditionFailed`.
    public func subscribeStream(
        _ name: String,
        consumer: any StreamConsumer,
        tag: String,
        noAck: Bool,
        prefetch: Int,
        arguments: FieldTable,
        owner: ConnectionID,
        access: AccessContext
    ) throws(BrokerError) -> any StreamConsumerHandle {
        guard let partitioned = self.partitionedByName[name] else {
            return try self.consumeStream(
                name, consumer: consumer, tag: tag, noAck: noAck, prefetch: prefetch, arguments: arguments,
                owner: owner, access: access)
        }
        try access.authorize(.read, .queue, name)
        let (start, group, shared) = try self.streamConsumerArguments(name, noAck: noAck, prefetch: prefetch, arguments)
        partitioned.queue.lastUsed = self.clock.nowMilliseconds()
        return try self.joinPartitionedStream(
            partitioned, consumer: consumer, tag: tag, prefetch: prefetch, start: start, group: group, shared: shared,
            owner: owner)
    }

    /// Whether consumers of `name` read it as a stream (a stream or a partitioned stream).
    public func isStream(_ name: String) -> Bool {
        self.streamsByName[name] != nil || self.partitionedByName[name] != nil
    }

    /// Attaches a stream consumer. The adapter sends its consume-ok, then calls `resume()`.
    /// - Parameters:
    ///   - prefetch: the consumer's credit; streams need one (> 0), as in RabbitMQ.
    ///   - arguments: `x-stream-offset` (where to start) and `x-consumer-group` (a named group: one
    ///     active member at a time; acks commit the group's offset; a member that becomes active
    ///     resumes after the committed offset when there is one, else at its `x-stream-offset`), and
    ///     `x-consumer-group-type: shared` (every member receives, message by message).
    /// - Throws: `.notFound` (no such queue), `.preconditionFailed` (not a stream, no prefetch,
    ///   noAck, a bad `x-stream-offset` or `x-consumer-group`).
    public func consumeStream(
        _ name: String,
        consumer: any StreamConsumer,
        tag: String,
        noAck: Bool,
        prefetch: Int,
        arguments: FieldTable,
        owner: ConnectionID,
        access: AccessContext
    ) throws(BrokerError) -> StreamSubscription {
        try access.authorize(.read, .queue, name)
        let queue = try self.existingQueue(name, owner: owner)
        guard let stream = self.streamsByName[name] else {
            if self.partitionedByName[name] != nil {
                throw .preconditionFailed(
                    "stream '\(name)' in vhost '\(self.name)' is partitioned: read one of its partitions '\(name)-<n>'")
            }
            throw .preconditionFailed("queue '\(name)' in vhost '\(self.name)' is not a stream")
        }
        let (start, group, shared) = try self.streamConsumerArguments(name, noAck: noAck, prefetch: prefetch, arguments)
        if let group, let existing = stream.groupsByName[group], !existing.members.isEmpty,
            (existing.share != nil) != shared
        {
            throw .preconditionFailed(
                "consumer group '\(group)' of stream '\(name)' is \(shared ? "not shared" : "shared")")
        }
        queue.lastUsed = self.clock.nowMilliseconds()
        return stream.subscribe(
            tag: tag, consumer: consumer, start: start, group: group, shared: shared, prefetch: prefetch, owner: owner)
    }

    /// RabbitMQ's rules for stream consumers (manual acks, a prefetch), and the consumer arguments
    /// `x-stream-offset`, `x-consumer-group` and `x-consumer-group-type` (`shared` needs a group).
    private func streamConsumerArguments(
        _ name: String, noAck: Bool, prefetch: Int, _ arguments: FieldTable
    ) throws(BrokerError) -> (start: StreamOffsetSpec, group: String?, shared: Bool) {
        guard !noAck else {
            throw .preconditionFailed(
                "stream queue '\(name)' requires manual acknowledgements (no-ack is not supported)")
        }
        guard prefetch > 0 else {
            throw .preconditionFailed("consumer prefetch count is not set for stream queue '\(name)'")
        }
        let start = try StreamOffsetSpec(argument: arguments["x-stream-offset"])
        var group: String?
        if let value = arguments["x-consumer-group"] {
            guard let text = value.stringValue, !text.isEmpty, text.utf8.count <= 255 else {
                throw .preconditionFailed("invalid x-consumer-group \(value)")
            }
            group = text
        }
        var shared = false
        if let value = arguments["x-consumer-group-type"] {
            switch value.stringValue {
            case "shared" where group != nil: shared = true
            case "single-active" where group != nil: shared = false
            default:
                throw .preconditionFailed(
                    "invalid x-consumer-group-type \(value) (single-active or shared, with x-consumer-group)")
            }
        }
        return (start, group, shared)
    }

    /// RabbitMQ's rule: streams are durable, not exclusive and not auto-delete.
    static func checkStreamProperties(
        _ name: String, durable: Bool, exclusive: Bool, autoDelete: Bool
    ) throws(BrokerError) {
        guard durable, !exclusive, !autoDelete else {
            throw .preconditionFailed("stream queue '\(name)' must be durable, not exclusive and not auto-delete")
        }
    }

    func openStream(_ queue: MessageQueue, _ arguments: StreamArguments) throws(BrokerError) -> StreamQueue {
        let key = QueueStoreKey(virtualHost: self.name, queue: queue.name)
        let (log, segmented) = try self.streamStorage.openLog(key, arguments: arguments)
        if let quarantined = segmented?.recoveryReport.quarantined, !quarantined.isEmpty {
            queue.noteStorageProblems(
                QueueStorageProblems(
                    lostSegments: quarantined.map(\.summary), lostBytes: quarantined.reduce(0) { $0 + $1.bytes }))
        }
        return StreamQueue(
            queue: queue, log: log, segmentedLog: segmented, storage: self.streamStorage, clock: self.clock,
            shareSettings: arguments.share)
    }

    /// The stream's queue was deleted: consumers are cancelled, files and group offsets removed.
    func closeStream(_ stream: StreamQueue) {
        let (cancelled, groups) = stream.tearDown()
        self.streamStorage.removeStream(stream.key, log: stream.log, groups: groups)
        for subscription in cancelled {
            subscription.consumer.consumerCancelled(subscription: subscription)
        }
    }

    /// Hands a routed message to a classic queue or a stream, or to the timer index when the publish
    /// or the queue asks for a delay (`VirtualHost+QueueDelay`).
    func accept(_ message: Message, into queue: MessageQueue, ttl: UInt64?) -> Bool {
        if self.publishDelayOverride != nil || !self.delayed.queueDelays.isEmpty {
            return self.acceptWithDelay(message, into: queue, ttl: ttl)
        }
        return self.acceptNow(message, into: queue, ttl: ttl)
    }

    /// Enqueues (or appends to the stream) now, whatever delay the queue has.
    func acceptNow(_ message: Message, into queue: MessageQueue, ttl: UInt64?) -> Bool {
        if queue.settings.stream != nil {
            // A partitioned stream's own queue holds nothing: publish to its exchange.
            guard let stream = self.streamsByName[queue.name], stream.queue === queue else { return false }
            queue.statistics.published += 1
            return stream.append(message)
        }
        return queue.enqueue(message, ttl: ttl)
    }
}
