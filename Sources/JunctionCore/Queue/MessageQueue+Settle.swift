import DequeModule

extension MessageQueue {
    /// Settles deliveries made by this queue. Unknown ids (already settled, or the queue was
    /// purged/deleted) are ignored. Released credit resumes this queue and, when a shared pool was
    /// full, every queue drawing from that pool.
    public func ack(_ ids: some Sequence<DeliveryID>) {
        for id in ids {
            guard let settled = self.unacked.removeValue(forKey: id) else { continue }
            self.statistics.acknowledged += 1
            if self.groups != nil { self.releaseGroup(of: settled.entry) }
            self.settle(settled.entry)
            settled.subscription?.releaseCredit()
        }
        self.dispatch()
    }

    /// Rejects deliveries. With `requeue`, the messages go back to the head of the queue in their
    /// original (delivery) order, flagged redelivered; without, they are dead-lettered with reason
    /// `rejected` when the queue has a dead-letter exchange, else dropped. A quorum queue's message
    /// returned more than `x-delivery-limit` times is dead-lettered with `delivery_limit` instead of
    /// requeued (RabbitMQ counts every return: reject, nack, channel close).
    public func reject(_ ids: some Sequence<DeliveryID>, requeue: Bool) {
        var settled: [(id: DeliveryID, unacked: Unacked)] = []
        for id in ids {
            if let entry = self.unacked.removeValue(forKey: id) {
                settled.append((id, entry))
            }
        }
        guard !settled.isEmpty else { return }
        if requeue {
            // Those past the delivery limit are dead-lettered first, oldest first (a FIFO group keeps
            // its order in the dead-letter queue); the others go back to the head, newest first.
            settled.sort { $0.id < $1.id }
            let limit = self.settings.deliveryLimit ?? .max
            for item in settled where item.unacked.entry.deliveryCount > limit {
                if self.groups != nil { self.releaseGroup(of: item.unacked.entry) }
                self.settle(item.unacked.entry)
                self.deadLetter(item.unacked.entry, reason: .deliveryLimit)
            }
            for item in settled.reversed() where item.unacked.entry.deliveryCount <= limit {
                var entry = item.unacked.entry
                entry.redelivered = true
                if self.groups != nil, self.requeueGrouped(entry, id: item.id) { continue }
                self.requeueAtHead(entry)
            }
        } else {
            settled.sort { $0.id < $1.id }
            for item in settled {
                if self.groups != nil { self.releaseGroup(of: item.unacked.entry) }
                self.settle(item.unacked.entry)
                self.deadLetter(item.unacked.entry, reason: .rejected)
            }
        }
        // Credit is released only once every message is back in place, so a dispatch triggered by
        // the release cannot overtake the requeue order.
        for item in settled {
            item.unacked.subscription?.releaseCredit()
        }
        self.dispatch()
    }

    /// Requeues every unacked delivery of `subscription` (channel close, connection loss, basic.recover).
    /// Deliveries made by `get` are not tied to a subscription: the channel rejects those itself.
    public func requeueAll(of subscription: Subscription) {
        let ids = self.unacked.compactMap { $0.value.subscription === subscription ? $0.key : nil }
        self.reject(ids, requeue: true)
    }

    /// The unacked deliveries of a subscription, oldest first.
    public func unackedDeliveries(of subscription: Subscription) -> [DeliveryID] {
        self.unacked.compactMap { $0.value.subscription === subscription ? $0.key : nil }.sorted()
    }

    func requeueAtHead(_ entry: QueuedMessage) {
        self.ready.prepend(entry)
        self.adjustReadyBytes(by: entry.size)
    }

    /// Removes all ready messages (unacked ones stay); returns how many were removed.
    func purge() -> Int {
        let count = self.ready.count + self.removeParked(settling: true)
        for entry in self.ready {
            self.settle(entry)
        }
        self.removeAllReady(settling: true)
        self.readyCleared()
        self.adjustReadyBytes(by: -self.readyBytes)
        return count
    }

    // MARK: Consumers

    func add(_ subscription: Subscription) {
        self.consumers.append(subscription)
        self.hadConsumer = true
        self.lastUsed = self.clock.nowMilliseconds()
        subscription.creditPool?.add(subscription)
    }

    /// Cancel: the consumer goes; an auto-delete queue is deleted with its last consumer.
    func remove(_ subscription: Subscription) {
        // Single active consumer: the departing active consumer's unacked messages go back to the
        // head now, so its successor (the next in registration order) gets them first.
        let handsOver = self.activeConsumer === subscription
        subscription.markCancelled()
        if let index = self.consumers.firstIndex(where: { $0 === subscription }) {
            self.consumers.remove(at: index)
            if index < self.nextConsumerIndex { self.nextConsumerIndex -= 1 }
            if self.nextConsumerIndex >= self.consumers.count { self.nextConsumerIndex = 0 }
        }
        self.lastUsed = self.clock.nowMilliseconds()
        if handsOver {
            self.requeueAll(of: subscription)
            self.dispatch()
        }
        if self.autoDelete && self.consumers.isEmpty && self.hadConsumer && !self.isDeleted {
            self.host?.removeQueue(self)
        }
    }

    /// Marks the queue deleted and detaches everything: unacked deliveries are dropped (their credit
    /// released), subscriptions cancelled. Returns the cancelled subscriptions, to be notified by the
    /// caller once the host's tables are consistent, and the number of ready messages dropped.
    func tearDown() -> (cancelled: [Subscription], readyCount: Int) {
        self.isDeleted = true
        let readyCount = self.ready.count + self.removeParked(settling: false)
        self.removeAllReady(settling: false)
        self.removeSpill()
        self.readyCleared()
        self.adjustReadyBytes(by: -self.readyBytes)
        let unacked = self.unacked
        self.unacked.removeAll()
        let cancelled = self.consumers
        self.consumers.removeAll()
        for subscription in cancelled {
            subscription.markCancelled()
        }
        for (_, entry) in unacked {
            entry.subscription?.releaseCredit()
        }
        self.host = nil
        return (cancelled, readyCount)
    }
}
