import JunctionCore
import JunctionMQTTCodec
import JunctionModel
import JunctionTransport
import NIOCore

/// Deliveries from the engine (MessageConsumer). Which subscriptions want a message and what the
/// PUBLISH looks like are `MQTTDeliveryRules`; ids, aliases and sizes are the state machine's.
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
        let topic = self.extras.deliveryTopics.map(message.routingKey)
        let match: MQTTDeliveryRules.Match?
        if subscription === self.sessionSubscription {
            match = MQTTDeliveryRules.sessionMatch(
                topic: topic, publisher: MQTTMessageMapping.publisher(of: message), clientID: self.clientID,
                subscriptions: record.subscriptions)
        } else {
            let filter = self.sharedSubscriptions.first(where: { $0.value === subscription })?.key
            match = MQTTDeliveryRules.sharedMatch(filter.flatMap { record.subscriptions[$0] })
        }
        guard let match else {
            // No live filter wants it (unsubscribed meanwhile, or no-local).
            token.settle()
            return
        }
        let publish = MQTTDeliveryRules.publish(
            from: message, topic: topic, match: match, redelivered: delivery.redelivered,
            version: self.stateMachine.version, now: self.broker.now)
        self.write(publish, token: token)
    }

    /// Encodes an outbound PUBLISH; the state machine decides whether it fits the client's
    /// maximum packet size and what is settled at once.
    func write(_ publish: MQTTPublish, token: MQTTDeliveryToken) {
        guard let prepared = self.stateMachine.deliveryReady(publish, token: token) else { return }
        let start = self.output.buffer.writerIndex
        let size = self.output.buffer.writeMQTTPacket(.publish(prepared), version: self.stateMachine.version)
        let written = self.stateMachine.deliveryWritten(prepared, token: token, encodedSize: size)
        if written.send {
            self.scheduleFlush()
        } else {
            self.output.buffer.moveWriterIndex(to: start)
        }
        written.settle?.settle()
    }

    func consumerCancelled(subscription: Subscription) {
        if subscription === self.sessionSubscription {
            self.sessionSubscription = nil
        } else if let (filter, _) = self.sharedSubscriptions.first(where: { $0.value === subscription }) {
            self.sharedSubscriptions[filter] = nil
        }
    }
}
