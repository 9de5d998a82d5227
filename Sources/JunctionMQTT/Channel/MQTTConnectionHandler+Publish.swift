import JunctionCore
import JunctionMQTTCodec
import JunctionModel
import JunctionTransport
import Logging
import NIOCore

/// PUBLISH in: routing through the engine, retained messages, acknowledgements after the disk.
extension MQTTConnectionHandler {
    func publish(_ publish: MQTTPublish, topic: String) {
        if let channel = self.context?.channel {
            self.extras.publisherGate.publishReceived().apply(to: channel)
        }
        if publish.retain, publish.payload.readableBytes > 0, !self.admitsRetained(publish, topic: topic) {
            self.run(self.stateMachine.retainedQuotaExceeded(publish))
            return
        }
        let durability = self.broker.durability
        let mark = durability.mark()
        let routed = self.route(publish, topic: topic)
        let need = durability.need(since: mark)
        switch routed {
        case .success where need == .notStored:
            // A durable queue could not store it: not acknowledged as taken.
            self.run(self.stateMachine.publishFailed(publish, reason: .unspecifiedError))
        case .success(let outcome):
            // Stored in a durable queue and not yet on disk: PUBACK/PUBREC wait for the disk.
            let ticket: UInt64? = if case .sync(let ticket) = need { ticket } else { nil }
            let matched = if case .routed(let count) = outcome { count > 0 } else { false }
            // Matched, but every matching queue refused it (`x-overflow: reject-publish` at its limit).
            let refused = outcome == .routed(queueCount: 0)
            self.run(
                self.stateMachine.publishRouted(
                    publish, matched: matched, refusedByQueues: refused, durabilityTicket: ticket))
            if self.stateMachine.isWaitingForDurability { durability.wait(self) }
        case .failure(let error):
            self.logger.debug("MQTT publish refused", metadata: ["error": "\(error)"])
            self.run(self.stateMachine.publishFailed(publish, reason: MQTTReasonCode(error)))
        }
    }

    /// Whether a retained PUBLISH fits `mqtt.max_retained_messages` / `max_retained_bytes`. A refusal is
    /// counted (`junction_refused_total{reason="mqtt_retained_limit"}`) and logged once per connection.
    func admitsRetained(_ publish: MQTTPublish, topic: String) -> Bool {
        let retained = self.server.retained
        let admitted = self.configuration.sessionLimits.admitsRetained(
            size: publish.payload.readableBytes, replacing: retained.payloadSize(topic: topic),
            retainedCount: retained.count, retainedBytes: retained.payloadBytes)
        guard !admitted else { return true }
        self.broker.countRefusal(.mqttRetainedLimit)
        if !self.extras.retainedRefusalLogged {
            self.extras.retainedRefusalLogged = true
            self.logger.warning(
                "MQTT retained message refused: mqtt.max_retained_messages or max_retained_bytes reached",
                metadata: [
                    "topic": "\(topic)", "retained": "\(retained.count)", "retained_bytes": "\(retained.payloadBytes)",
                ])
        }
        return false
    }

    /// Routes a PUBLISH (or will) and keeps retained messages.
    @discardableResult
    func route(_ publish: MQTTPublish, topic: String) -> Result<PublishOutcome, BrokerError> {
        let publisher = self.server.noLocalSubscriptions > 0 ? self.clientID : nil
        return Self.route(
            publish, topic: topic, exchange: self.configuration.exchange, host: self.virtualHost, access: self.access,
            server: self.server,
            publisher: publisher, now: self.broker.now, routingKey: self.extras.routingKeys.map(topic))
    }

    static let directReplyPrefix = DirectReplyTo.pseudoQueue + "."

    static func route(
        _ publish: MQTTPublish,
        topic: String,
        exchange: String,
        host: VirtualHost?,
        access: AccessContext,
        server: MQTTServerState,
        publisher: String?,
        now: UInt64,
        routingKey: String? = nil
    ) -> Result<PublishOutcome, BrokerError> {
        guard let host else { return .failure(.notAllowed("no virtual host")) }
        var message = MQTTMessageMapping.message(
            from: publish, topic: topic, exchange: exchange, publisher: publisher, receivedAt: now,
            routingKey: routingKey)
        let outcome: PublishOutcome
        do {
            message.exchange = exchange
            // An MQTT 5 responder answers an AMQP direct reply-to request on the Response Topic it was given,
            // `amq.rabbitmq.reply-to.<token>`: that address lives on the default exchange, verbatim.
            if topic.hasPrefix(Self.directReplyPrefix) {
                message.exchange = ""
                message.routingKey = topic
            }
            // Published (and so permitted) before it is retained: a refused PUBLISH retains nothing.
            outcome = try host.publish(message, access: access)
        } catch {
            return .failure(error)
        }
        if publish.retain {
            // An empty payload clears the retained message [MQTT-3.3.1-6].
            if publish.payload.readableBytes == 0 {
                server.retained.remove(topic: topic)
            } else {
                server.retained.retain(MQTTRetainedMessage(topic: topic, qos: publish.qos, message: message))
            }
        }
        return .success(outcome)
    }
}
