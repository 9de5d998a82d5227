import JunctionCore
import JunctionMQTTCodec
import JunctionModel
import Logging
import NIOCore

/// SUBSCRIBE and UNSUBSCRIBE in the engine: binding filters to the session's or a shared
/// group's queue, consuming them, retained messages after SUBACK. The rules are
/// `MQTTSubscribeRules`.
extension MQTTConnectionHandler {
    func subscribe(_ subscribe: MQTTSubscribe) {
        guard let before = self.record else { return }
        var record = before
        var codes: [MQTTReasonCode] = []
        codes.reserveCapacity(subscribe.subscriptions.count)
        var retainedToSend: [(MQTTRetainedMessage, MQTTSubscription)] = []
        let identifier = subscribe.properties.subscriptionIdentifiers.first
        let limit = self.virtualHost?.maxConsumersPerChannel ?? 0
        for requested in subscribe.subscriptions {
            let target: MQTTSubscribeRules.Target
            let isNew: Bool
            switch MQTTSubscribeRules.decide(requested, existing: record.subscriptions, maximumSubscriptions: limit) {
            case .protocolError:
                self.run(self.stateMachine.decodingFailed(.protocolError))
                return
            case .refuse(let code):
                codes.append(code)
                continue
            case .accept(let accepted, let new):
                (target, isNew) = (accepted, new)
            }
            do {
                try self.bind(target)
            } catch {
                codes.append(MQTTReasonCode(error))
                continue
            }
            let filter = requested.filter
            self.server.noLocalSubscriptions += MQTTSubscribeRules.noLocalChange(
                replacing: record.subscriptions[filter], with: requested)
            record.subscriptions[filter] = MQTTSessionSubscription(subscription: requested, identifier: identifier)
            self.record = record
            switch target {
            case .shared(let group, let inner):
                self.attachShared(filter: filter, group: group, inner: inner)
            case .session(let inner):
                self.attachSessionQueue()
                if MQTTSubscribeRules.sendsRetained(requested, target: target, isNew: isNew) {
                    for message in self.server.retained.matching(filter: inner) {
                        retainedToSend.append((message, requested))
                    }
                }
            }
            codes.append(MQTTSubscribeRules.grantedCode(requested))
        }
        let reply = MQTTSubAck(packetID: subscribe.packetID, reasonCodes: codes)
        guard record.expiryInterval > 0 else {
            self.subscribed(reply, retained: retainedToSend, identifier: identifier)
            return
        }
        // SUBACK once the session's filters are stored; refused (0x80) and undone if they were not.
        self.stageSessionWrite(.save(record)) { [self] error in
            guard error == nil else {
                self.revertSubscriptions(to: before)
                self.run(self.stateMachine.subscribeStoreFailed(subscribe))
                return
            }
            self.subscribed(reply, retained: retainedToSend, identifier: identifier)
        }
    }

    private func subscribed(_ reply: MQTTSubAck, retained: [(MQTTRetainedMessage, MQTTSubscription)], identifier: Int?)
    {
        self.send(.subAck(reply))
        // Retained messages go after SUBACK [MQTT-3.8.4-4], with the retain flag set.
        let version = self.stateMachine.version
        for (message, subscription) in retained {
            let publish = MQTTSubscribeRules.retainedPublish(
                message, for: subscription, identifier: identifier, version: version, now: self.broker.now)
            self.write(publish, token: .retained)
        }
        self.sessionSubscription?.resume()
    }

    /// Binds the filter to the session's queue, or to its shared group's queue.
    func bind(_ target: MQTTSubscribeRules.Target) throws(BrokerError) {
        guard let host = self.virtualHost, let clientID = self.clientID else { return }
        let queue: String
        let shared: Bool
        switch target {
        case .session: (queue, shared) = (MQTTServerState.queueName(clientID: clientID), false)
        case .shared(let group, let filter):
            (queue, shared) = (MQTTServerState.sharedQueueName(group: group, filter: filter), true)
        }
        if host.queue(named: queue) == nil {
            // A persistent session's queue is durable: its definition, bindings and persistent
            // (QoS 1/2) messages survive a restart. A clean session's queue costs no storage.
            let persistent = !shared && (self.record?.expiryInterval ?? 0) > 0
            // A session's queue holds at most mqtt.max_queued_messages / max_queued_bytes (Mosquitto's
            // limits), enforced by the engine's x-max-length machinery with mqtt.queue_overflow.
            _ = try host.declareQueue(
                queue,
                durable: persistent,
                exclusive: false,
                autoDelete: false,
                arguments: shared ? [:] : self.configuration.sessionLimits.sessionQueueArguments,
                passive: false,
                owner: self.connectionID, access: self.access
            )
        }
        try host.bindQueue(
            queue,
            exchange: self.configuration.exchange,
            routingKey: MQTTTopic.bindingKey(forFilter: target.bindingFilter),
            arguments: [:],
            owner: self.connectionID, access: self.access
        )
        if !shared { self.extras.sessionQueue = queue }
    }

    func attachSessionQueue() {
        guard self.sessionSubscription == nil, let host = self.virtualHost, let clientID = self.clientID else { return }
        let queue = MQTTServerState.queueName(clientID: clientID)
        self.extras.sessionQueue = queue
        if host.queue(named: queue) == nil {
            // The session's queue went (deleted by an operator): bind its filters again.
            for filter in self.record?.subscriptions.keys ?? [:].keys where !filter.hasPrefix("$share/") {
                try? self.bind(.session(filter: filter))
            }
        }
        do {
            self.sessionSubscription = try host.consume(
                queue: queue,
                consumer: self,
                tag: "mqtt:\(clientID)",
                noAck: false,
                exclusive: false,
                prefetch: 0,
                sharedCredit: self.creditPool,
                arguments: [:],
                owner: self.connectionID, access: self.access
            )
        } catch {
            // A session queue whose log failed to open: its messages stay on disk, none is delivered.
            self.logger.error(
                "cannot consume the session queue", metadata: ["queue": "\(queue)", "error": "\(error.detail)"])
        }
        self.sessionSubscription?.resume()
    }

    func attachShared(filter: String, group: String, inner: String) {
        guard self.sharedSubscriptions[filter] == nil, let host = self.virtualHost, let clientID = self.clientID else {
            return
        }
        let queue = MQTTServerState.sharedQueueName(group: group, filter: inner)
        if host.queue(named: queue) == nil {
            try? self.bind(.shared(group: group, filter: inner))
        }
        if let subscription = try? host.consume(
            queue: queue,
            consumer: self,
            tag: "mqtt:\(clientID):\(filter)",
            noAck: false,
            exclusive: false,
            prefetch: 0,
            sharedCredit: self.creditPool,
            arguments: [:],
            owner: self.connectionID, access: self.access
        ) {
            self.sharedSubscriptions[filter] = subscription
            subscription.resume()
        }
    }
}
