public import JunctionModel
import JunctionStorage

/// Queue-level and per-message delays (what SQS `DelaySeconds` maps onto): a message enqueued into
/// a queue with a delay, or published with one, waits in the timer index and enters the queue when
/// due. Persistent messages for durable queues are kept in the delay log, so they survive restarts
/// and kill -9 like the delayed exchange's.
extension VirtualHost {
    /// Sets the delay (ms) every message entering the queue waits before it becomes visible
    /// (SQS queue attribute `DelaySeconds`); 0 removes it. Messages already waiting keep their due
    /// time. A durable queue's delay is stored with its definition (it survives restarts); it goes
    /// with the queue. Needs `configure` on the queue.
    /// - Throws: `.notFound`; `.preconditionFailed` for a stream or a delay past 2^32 − 1 ms.
    public func setQueueDeliveryDelay(
        _ name: String, milliseconds: UInt64, owner: ConnectionID, access: AccessContext
    ) throws(BrokerError) {
        try access.authorize(.configure, .queue, name)
        let queue = try self.existingQueue(name, owner: owner)
        if queue.isStream {
            throw .preconditionFailed("queue '\(name)' in vhost '\(self.name)' is a stream: it takes no delivery delay")
        }
        guard milliseconds <= UInt64(DelayHeader.maximumMilliseconds) else {
            throw .preconditionFailed(
                "delivery delay \(milliseconds) ms is more than \(DelayHeader.maximumMilliseconds)")
        }
        if queue.isPersistedDefinition {
            try self.persist {
                _ = try $0.setQueueDeliveryDelay(virtualHost: self.name, name: name, milliseconds: milliseconds)
            }
        }
        self.delayed.queueDelays[name] = milliseconds > 0 ? milliseconds : nil
    }

    /// The queue's delivery delay in ms (0: none).
    public func queueDeliveryDelay(_ name: String) -> UInt64 { self.delayed.queueDelays[name] ?? 0 }

    /// Messages waiting for their delay before they enter the queue (SQS
    /// `ApproximateNumberOfMessagesDelayed`): queue-level and per-message delays. Messages waiting in
    /// a delayed exchange are not counted (their queues are known only when they are due).
    public func delayedMessageCount(queue name: String) -> Int { self.delayed.countByQueue[name] ?? 0 }

    /// Publishes like `publish(_:access:)`, but each queue the message is routed to gets it only after
    /// `delayMilliseconds` (SQS `SendMessage` with `DelaySeconds`), instead of the queue's own delay;
    /// 0 makes it visible at once even in a queue with a delay (SQS: a message's `DelaySeconds`
    /// overrides the queue's). `.routed(queueCount:)` counts the queues that took it into their
    /// schedule; a persistent message for a durable queue is stored in the delay log at once (the
    /// durability ticket moves), and a queue's length limit applies when it enters.
    /// - Throws: what `publish(_:access:)` throws; `.preconditionFailed` for a delay past 2^32 − 1 ms.
    public func publish(
        _ message: Message, delayMilliseconds: UInt64, access: AccessContext
    ) throws(BrokerError) -> PublishOutcome {
        guard delayMilliseconds <= UInt64(DelayHeader.maximumMilliseconds) else {
            throw .preconditionFailed("delay \(delayMilliseconds) ms is more than \(DelayHeader.maximumMilliseconds)")
        }
        let outer = self.publishDelayOverride
        self.publishDelayOverride = delayMilliseconds
        defer { self.publishDelayOverride = outer }
        return try self.publish(message, access: access)
    }

    /// `accept` when the publish or the queue has a delay: a positive one schedules the message for
    /// the queue, 0 (a publish's explicit 0) enqueues it now.
    func acceptWithDelay(_ message: Message, into queue: MessageQueue, ttl: UInt64?) -> Bool {
        let delay = self.publishDelayOverride ?? self.delayed.queueDelays[queue.name] ?? 0
        guard delay > 0 else {
            // A consumer called back from this enqueue may publish again: that publish has no override.
            let outer = self.publishDelayOverride
            self.publishDelayOverride = nil
            defer { self.publishDelayOverride = outer }
            return self.acceptNow(message, into: queue, ttl: ttl)
        }
        guard !queue.isDeleted, !queue.isFailed else { return false }
        let due = self.clock.nowMilliseconds() &+ delay
        let durable = queue.durable && message.properties.deliveryMode == 2
        return self.delayed.schedule(message, due: due, target: .queue(queue.name), durable: durable)
    }

    /// The queue was deleted: its waiting messages and its delay go with it.
    func forgetQueueDelays(_ name: String) {
        self.delayed.remove(target: .queue(name))
        self.delayed.queueDelays[name] = nil
    }
}
