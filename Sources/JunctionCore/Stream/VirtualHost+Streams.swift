import JunctionStorage

/// Streams in a virtual host: each stream is a `MessageQueue` (for routing, bindings and
/// declaration) plus a `StreamQueue` that takes its messages and serves its consumers.
extension VirtualHost {
    /// The stream named `name`, if that queue is a stream.
    public func stream(named name: String) -> StreamQueue? { self.streamsByName[name] }

    public var streams: [StreamQueue] { self.streamsByName.values.sorted { $0.name < $1.name } }

    /// Attaches a stream consumer. The adapter sends its consume-ok, then calls `resume()`.
    /// - Parameters:
    ///   - prefetch: the consumer's credit; streams need one (> 0), as in RabbitMQ.
    ///   - arguments: `x-stream-offset` (where to start) and `x-consumer-group` (a named group: one
    ///     active member at a time; acks commit the group's offset; a member that becomes active
    ///     resumes after the committed offset when there is one, else at its `x-stream-offset`).
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
            throw .preconditionFailed("queue '\(name)' in vhost '\(self.name)' is not a stream")
        }
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
        queue.lastUsed = self.clock.nowMilliseconds()
        return stream.subscribe(
            tag: tag, consumer: consumer, start: start, group: group, prefetch: prefetch, owner: owner)
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
            queue: queue, log: log, segmentedLog: segmented, storage: self.streamStorage, clock: self.clock)
    }

    /// The stream's queue was deleted: consumers are cancelled, files and group offsets removed.
    func closeStream(_ stream: StreamQueue) {
        let (cancelled, groups) = stream.tearDown()
        self.streamStorage.removeStream(stream.key, log: stream.log, groups: groups)
        for subscription in cancelled {
            subscription.consumer.consumerCancelled(subscription: subscription)
        }
    }

    /// Hands a routed message to a classic queue or a stream.
    func accept(_ message: Message, into queue: MessageQueue, ttl: UInt64?) -> Bool {
        if queue.settings.stream != nil, let stream = self.streamsByName[queue.name], stream.queue === queue {
            queue.statistics.published += 1
            return stream.append(message)
        }
        return queue.enqueue(message, ttl: ttl)
    }
}
