import JunctionCore
import JunctionMQTTCodec
import JunctionModel
import NIOCore

/// Undoing subscriptions in the engine: for UNSUBSCRIBE, and for a SUBSCRIBE the session store
/// did not take.
extension MQTTConnectionHandler {
    func unsubscribe(_ unsubscribe: MQTTUnsubscribe) {
        guard var record = self.record, let host = self.virtualHost else { return }
        let removed = unsubscribe.filters.map { record.subscriptions.removeValue(forKey: $0) }
        guard record.expiryInterval > 0 else {
            self.unsubscribed(unsubscribe, record: record, removed: removed, host: host)
            return
        }
        // Stored first: when the store fails, nothing is removed and the client is not told it was.
        self.stageSessionWrite(.save(record)) { [self] error in
            guard error == nil else {
                self.run(self.stateMachine.unsubscribeStoreFailed(unsubscribe))
                return
            }
            self.unsubscribed(unsubscribe, record: record, removed: removed, host: host)
        }
    }

    private func unsubscribed(
        _ unsubscribe: MQTTUnsubscribe, record: MQTTSessionRecord, removed: [MQTTSessionSubscription?],
        host: VirtualHost
    ) {
        self.record = record
        for (filter, entry) in zip(unsubscribe.filters, removed) {
            if let entry { self.stopSubscription(filter, entry, host: host) }
        }
        let codes = MQTTSubscribeRules.unsubscribeCodes(removed: removed)
        self.send(.unsubAck(MQTTSubAck(packetID: unsubscribe.packetID, reasonCodes: codes)))
    }

    /// Ends a filter in the engine: its shared group membership, or its binding to the session's queue.
    func stopSubscription(_ filter: String, _ entry: MQTTSessionSubscription, host: VirtualHost) {
        if entry.subscription.noLocal { self.server.noLocalSubscriptions -= 1 }
        if case .shared(let group, let inner) = MQTTTopic.sharedSubscription(filter) {
            self.sharedSubscriptions.removeValue(forKey: filter)?.cancel()
            let queue = MQTTServerState.sharedQueueName(group: group, filter: inner)
            if host.queue(named: queue)?.consumerCount == 0 {
                _ = try? host.deleteQueue(
                    queue, ifUnused: true, ifEmpty: false, owner: self.connectionID,
                    access: AccessContext.trusted(virtualHost: host.name))
            }
        } else if let queue = self.extrasStorage?.sessionQueue {
            try? host.unbindQueue(
                queue,
                exchange: self.configuration.exchange,
                routingKey: MQTTTopic.bindingKey(forFilter: filter),
                arguments: [:],
                owner: self.connectionID, access: self.access
            )
        }
    }

    /// A SUBSCRIBE the store did not take: its new filters stop and the session's filters are
    /// what they were, so nothing the client is refused stays in effect.
    func revertSubscriptions(to before: MQTTSessionRecord) {
        guard let record = self.record, let host = self.virtualHost else { return }
        for (filter, entry) in record.subscriptions where before.subscriptions[filter] != entry {
            if let old = before.subscriptions[filter] {
                // Subscribed again: bound before too; only its no-local count changed.
                let change = (old.subscription.noLocal ? 1 : 0) - (entry.subscription.noLocal ? 1 : 0)
                self.server.noLocalSubscriptions += change
            } else {
                self.stopSubscription(filter, entry, host: host)
            }
        }
        self.record = before
    }
}
