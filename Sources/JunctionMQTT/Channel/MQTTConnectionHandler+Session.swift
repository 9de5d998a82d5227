import JunctionCore
import JunctionMQTTCodec
import JunctionTransport
import Logging
import NIOCore

/// A session's lifetime beyond one packet: detach, the will, QoS 2 state stored per burst.
extension MQTTConnectionHandler {
    /// A session that ends with its connection: its stored record (if any) and its queue go.
    /// A failed delete (logged by the store) keeps the stored session and its queue together.
    /// A session whose CONNECT asked for no expiry was never stored (one stored before was removed
    /// at CONNECT): only its queue, if it has one, goes, and the store is not written.
    func discardSession(_ clientID: String) {
        let host = self.virtualHost
        let owner = self.connectionID
        let deleteQueue = {
            guard let host, host.queue(named: MQTTServerState.queueName(clientID: clientID)) != nil else { return }
            _ = try? host.deleteQueue(
                MQTTServerState.queueName(clientID: clientID), ifUnused: false, ifEmpty: false,
                owner: owner, access: AccessContext.trusted(virtualHost: host.name))
        }
        guard self.stateMachine.sessionExpiry > 0 else {
            deleteQueue()
            return
        }
        self.server.sessions.stage(.remove(clientID: clientID)) { error in
            guard error == nil else { return }
            deleteQueue()
        }
    }

    /// Ends this connection's part: subscriptions stop, unacknowledged deliveries go back to their
    /// queues, the session is saved or discarded, the will is published (or delayed).
    func detach(clean: Bool) {
        guard !self.detached, let clientID = self.clientID, var record = self.record else { return }
        self.detached = true
        self.server.deadlines.remove(self)
        for token in self.stateMachine.unacknowledgedDeliveries() { token.requeue() }
        self.sessionSubscription?.cancel()
        self.sessionSubscription = nil
        for subscription in self.sharedSubscriptions.values { subscription.cancel() }
        self.sharedSubscriptions.removeAll()
        for entry in record.subscriptions.values where entry.subscription.noLocal {
            self.server.noLocalSubscriptions -= 1
        }
        if self.server.live[clientID] === self { self.server.live[clientID] = nil }

        let persistent = record.expiryInterval > 0
        if persistent {
            record.inboundAwaitingRelease = self.stateMachine.inboundAwaitingRelease
            record.awaitingCompletion = self.stateMachine.awaitingCompletion
            // The client is gone; a failed save (logged by the store) leaves the last stored state.
            let settles = self.takeSettlesAwaitingStore()
            self.server.sessions.stage(.save(record)) { error in Self.settle(settles, stored: error == nil) }
            if record.expiryInterval != UInt32.max, let eventLoop = self.context?.eventLoop {
                self.server.armExpiry(
                    clientID: clientID,
                    after: .seconds(Int64(record.expiryInterval)),
                    host: self.virtualHost,
                    eventLoop: eventLoop
                )
            }
        } else {
            self.discardSession(clientID)
            self.deleteUnusedSharedQueues(record)
        }
        self.record = record
        if !clean || self.will != nil { self.publishWill(record: record) }
    }

    /// Stores a persistent session's QoS 2 ids in flight when this burst changed them: one write
    /// per burst, before the burst's output (PUBREC, PUBCOMP) is flushed, so a PUBREC the client
    /// saw is never for an id a crash forgets, and a PUBREL owed is resent after one.
    func saveExactlyOnceState() {
        let revision = self.stateMachine.exactlyOnceRevision
        guard revision != self.savedExactlyOnceRevision, !self.detached, let clientID = self.clientID,
            let record = self.record, record.expiryInterval > 0
        else {
            // Nothing to store (the ids did not change): nothing to wait for.
            Self.settle(self.takeSettlesAwaitingStore(), stored: true)
            return
        }
        self.savedExactlyOnceRevision = revision
        let write = MQTTSessionWrite.inFlight(
            clientID: clientID,
            inboundAwaitingRelease: self.stateMachine.inboundAwaitingRelease,
            awaitingCompletion: self.stateMachine.awaitingCompletion)
        let settles = self.takeSettlesAwaitingStore()
        self.stageSessionWrite(write) { [self] error in
            Self.settle(settles, stored: error == nil)
            guard error != nil else { return }
            // Not stored: this burst's PUBREC/PUBCOMP (and the rest of its unsent output) must not
            // leave. Unsent deliveries go back to their queues when the connection closes.
            self.closeReason = "session store failed"
            self.output.buffer.clear()
            self.run(self.stateMachine.sessionStoreFailed())
        }
    }

    private func takeSettlesAwaitingStore() -> [MQTTDeliveryToken] {
        guard let extras = self.extrasStorage, !extras.settlesAwaitingStore.isEmpty else { return [] }
        defer { extras.settlesAwaitingStore.removeAll() }
        return extras.settlesAwaitingStore
    }

    /// PUBREC'd QoS 2 deliveries once the write holding their PUBREL state finished: settled when it was
    /// stored; otherwise back in their queue (the PUBREL does not leave: the connection closes), so the
    /// client gets the message again.
    static func settle(_ tokens: [MQTTDeliveryToken], stored: Bool) {
        for token in tokens {
            if stored { token.settle() } else { token.requeue() }
        }
    }

    /// A shared group's queue goes with its last member when that member's session ends.
    func deleteUnusedSharedQueues(_ record: MQTTSessionRecord) {
        guard let host = self.virtualHost else { return }
        for filter in record.subscriptions.keys {
            guard case .shared(let group, let inner) = MQTTTopic.sharedSubscription(filter) else { continue }
            let queue = MQTTServerState.sharedQueueName(group: group, filter: inner)
            if host.queue(named: queue)?.consumerCount == 0 {
                _ = try? host.deleteQueue(
                    queue, ifUnused: true, ifEmpty: false, owner: self.connectionID,
                    access: AccessContext.trusted(virtualHost: host.name))
            }
        }
    }

    func publishWill(record: MQTTSessionRecord) {
        guard let will = self.will, let clientID = self.clientID else { return }
        self.will = nil
        let delay = MQTTConnectRules.willDelay(of: will, sessionExpiry: record.expiryInterval)
        let publish = MQTTPublish(
            topic: will.topic, qos: will.qos, retain: will.retain, properties: will.properties, payload: will.payload)
        let server = self.server
        let broker = self.broker
        let limits = self.configuration.sessionLimits
        let logger = self.logger
        if delay == 0 || self.context == nil {
            self.route(
                Self.willWithinRetainedLimits(publish, limits: limits, server: server, broker: broker, logger: logger),
                topic: will.topic)
            return
        }
        let exchange = self.configuration.exchange
        let host = self.virtualHost
        let access = self.access
        server.willTimers[clientID] = self.context!.eventLoop.assumeIsolated().scheduleTask(in: .seconds(Int64(delay)))
        {
            server.willTimers[clientID] = nil
            _ = Self.route(
                Self.willWithinRetainedLimits(publish, limits: limits, server: server, broker: broker, logger: logger),
                topic: will.topic, exchange: exchange, host: host, access: access, server: server,
                publisher: nil, now: broker.now)
        }
    }

    /// A will asking to be retained past `mqtt.max_retained_messages` / `max_retained_bytes` is still
    /// published (its subscribers hear of the disconnect) but not retained: there is no client left to
    /// refuse. The refusal is counted and logged, as a refused retained PUBLISH is. Checked when the will
    /// goes out (a delayed will meets the store as it is then).
    static func willWithinRetainedLimits(
        _ publish: MQTTPublish, limits: MQTTSessionLimits, server: MQTTServerState, broker: Broker, logger: Logger
    ) -> MQTTPublish {
        guard publish.retain, publish.payload.readableBytes > 0 else { return publish }
        let retained = server.retained
        guard
            !limits.admitsRetained(
                size: publish.payload.readableBytes, replacing: retained.payloadSize(topic: publish.topic),
                retainedCount: retained.count, retainedBytes: retained.payloadBytes)
        else { return publish }
        broker.countRefusal(.mqttRetainedLimit)
        logger.warning(
            "MQTT will published but not retained: mqtt.max_retained_messages or max_retained_bytes reached",
            metadata: ["topic": "\(publish.topic)", "retained": "\(retained.count)"])
        var unretained = publish
        unretained.retain = false
        return unretained
    }

    func restoreSubscriptions() {
        guard let record = self.record else { return }
        for (filter, entry) in record.subscriptions {
            if entry.subscription.noLocal { self.server.noLocalSubscriptions += 1 }
            if case .shared(let group, let inner) = MQTTTopic.sharedSubscription(filter) {
                self.attachShared(filter: filter, group: group, inner: inner)
            } else {
                self.attachSessionQueue()
            }
        }
    }
}
