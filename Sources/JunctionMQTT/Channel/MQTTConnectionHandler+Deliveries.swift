import JunctionCore
import NIOCore

/// Deliveries from the engine (MessageConsumer): QoS, identifiers, no-local, retain-as-published.
extension MQTTConnectionHandler {
    var isReadyForDeliveries: Bool {
        self.stateMachine.isConnected && !self.detached && self.output.isBelowHighWaterMark
            && (self.context?.channel.isWritable ?? false)
    }

    func deliver(_ delivery: Delivery, subscription: Subscription) {
        let token = MQTTDeliveryToken.engine(delivery.queue, delivery.id)
        guard let record = self.record else {
            token.requeue()
            return
        }
        let message = delivery.message
        let topic = self.deliveryTopics.map(message.routingKey)
        let publisher = MQTTMessageMapping.publisher(of: message)
        // The matching subscriptions decide QoS, identifiers, no-local and retain-as-published.
        var qos: MQTTQoS?
        var retainAsPublished = false
        var identifiers: [Int] = []
        if subscription === self.sessionSubscription {
            for (filter, entry) in record.subscriptions where !filter.hasPrefix("$share/") {
                guard MQTTTopic.matches(filter: filter, topic: topic) else { continue }
                if entry.subscription.noLocal && publisher == self.clientID { continue }
                qos = max(qos ?? .atMostOnce, entry.subscription.qos)
                retainAsPublished = retainAsPublished || entry.subscription.retainAsPublished
                if let identifier = entry.identifier { identifiers.append(identifier) }
            }
        } else if let (filter, _) = self.sharedSubscriptions.first(where: { $0.value === subscription }),
            let entry = record.subscriptions[filter]
        {
            qos = entry.subscription.qos
            if let identifier = entry.identifier { identifiers.append(identifier) }
        }
        guard let subscribed = qos else {
            // No live filter wants it (unsubscribed meanwhile, or no-local).
            token.settle()
            return
        }
        let granted = min(MQTTMessageMapping.publishedQoS(of: message), subscribed)
        let version = self.stateMachine.version
        var publish = MQTTMessageMapping.publish(
            from: message,
            qos: granted,
            retain: retainAsPublished && MQTTMessageMapping.wasRetained(message),
            version: version,
            now: self.broker.now,
            topic: topic
        )
        publish.dup = delivery.redelivered && granted != .atMostOnce
        if version == .v5 { publish.properties.subscriptionIdentifiers = identifiers }
        self.write(publish, token: token)
        if granted == .atMostOnce { token.settle() }
    }

    /// Encodes an outbound PUBLISH; one larger than the client's maximum packet size is dropped
    /// and settled as if delivered [MQTT-3.1.2-25].
    func write(_ publish: MQTTPublish, token: MQTTDeliveryToken) {
        guard let prepared = self.stateMachine.deliveryReady(publish, token: token) else { return }
        let start = self.output.buffer.writerIndex
        let size = self.output.buffer.writeMQTTPacket(.publish(prepared), version: self.stateMachine.version)
        if size > self.stateMachine.clientMaximumPacketSize {
            self.output.buffer.moveWriterIndex(to: start)
            self.stateMachine.deliveryDropped(prepared)?.settle()
            return
        }
        self.scheduleFlush()
    }

    func consumerCancelled(subscription: Subscription) {
        if subscription === self.sessionSubscription {
            self.sessionSubscription = nil
        } else if let (filter, _) = self.sharedSubscriptions.first(where: { $0.value === subscription }) {
            self.sharedSubscriptions[filter] = nil
        }
    }
}
