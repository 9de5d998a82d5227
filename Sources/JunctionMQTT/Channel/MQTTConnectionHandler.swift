import JunctionCore
import Logging
import NIOCore

/// Glue between one TCP connection, the session state machine and the engine. It frames its own
/// input; every packet of a read burst is encoded into one buffer and flushed once.
final class MQTTConnectionHandler: ChannelDuplexHandler, MessageConsumer, DurabilityWaiter {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Never
    typealias OutboundOut = ByteBuffer
    typealias Action = MQTTSessionAction<MQTTDeliveryToken>

    let broker: Broker
    let server: MQTTServerState
    let configuration: MQTTAdapterConfiguration
    let connectionID: ConnectionID
    private let authenticator: any Authenticator
    private let isLoopback: Bool
    private var logger: Logger

    private var stateMachine: MQTTSessionStateMachine<ContinuousClock, MQTTDeliveryToken>
    private let decoder: MQTTPacketDecoder
    private var inbound = InboundBuffer()
    private var context: ChannelHandlerContext?
    private let output = ConnectionOutput(minimumCapacity: 1024)
    private var keepAliveTask: Scheduled<Void>?
    private var connectTimeout: Scheduled<Void>?

    // The attached session.
    private var clientID: String?
    var virtualHost: VirtualHost?
    /// The client's identity (with its client id, for `{client_id}` in topic permissions); before
    /// CONNECT, a context that is refused everything.
    var access: AccessContext
    var record: MQTTSessionRecord?
    private var will: MQTTWill?
    var sessionQueue: String?
    private var sessionSubscription: Subscription?
    /// Shared-group subscriptions by their `$share/…` filter.
    var sharedSubscriptions: [String: Subscription] = [:]
    private var creditPool = CreditPool(limit: 0)
    /// The state machine's `exactlyOnceRevision` last written to the session store.
    private var savedExactlyOnceRevision: UInt64 = 0
    private var detached = false
    private var closeReason = "client closed the socket"
    private var peer = "unknown"
    private var userName: String?
    private let connectedAt: UInt64

    init(
        broker: Broker,
        server: MQTTServerState,
        configuration: MQTTAdapterConfiguration,
        authenticator: any Authenticator,
        connectionID: ConnectionID,
        isLoopback: Bool,
        logger: Logger
    ) {
        self.broker = broker
        self.server = server
        self.configuration = configuration
        self.authenticator = authenticator
        self.connectionID = connectionID
        self.isLoopback = isLoopback
        self.logger = logger
        self.access = broker.accessBeforeLogin()
        self.decoder = MQTTPacketDecoder(maximumPacketSize: configuration.maximumPacketSize)
        self.connectedAt = broker.now
        self.stateMachine = MQTTSessionStateMachine(
            clock: ContinuousClock(),
            limits: .init(
                topicAliasMaximum: configuration.topicAliasMaximum,
                maximumPacketSize: configuration.maximumPacketSize,
                keepAliveMaximum: configuration.keepAliveMaximum,
                maximumSessionExpiry: configuration.maximumSessionExpiry,
                receiveMaximum: configuration.receiveMaximum
            )
        )
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.output.attach(context)
        self.logger[metadataKey: "connection"] = "\(self.connectionID.rawValue)"
        if let peer = context.channel.remoteAddress {
            self.peer = peer.peerDescription
        }
        // Registered at once: after a WebSocket upgrade the channel is already active.
        self.broker.connectionOpened(self)
        self.connectTimeout = context.eventLoop.assumeIsolated().scheduleTask(
            in: TimeAmount(self.configuration.connectTimeout)
        ) {
            [self] in
            guard self.context != nil, !self.stateMachine.isConnected else { return }
            self.run(self.stateMachine.closeRequested(.maximumConnectTime))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.output.detach()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.connectTimeout?.cancel()
        self.keepAliveTask?.cancel()
        self.broker.durability.stopWaiting(self)
        self.detach(clean: false)
        self.broker.connectionClosed(self.connectionID)
        self.logger.debug("MQTT connection closed", metadata: ["reason": "\(self.closeReason)"])
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.inbound.append(Self.unwrapInboundIn(data))
        guard var buffer = self.inbound.bytes else { return }
        defer { self.inbound.bytes = buffer }
        while self.context != nil, !self.inputClosed {
            let packet: MQTTPacket
            do {
                guard let raw = try self.decoder.decodePacket(buffer: &buffer) else { return }
                packet = try MQTTPacket.decode(raw, version: self.stateMachine.version, topics: &self.publishTopics)
            } catch {
                buffer.moveReaderIndex(to: buffer.writerIndex)
                self.inputClosed = true
                self.decodingFailed(error)
                return
            }
            self.run(self.stateMachine.packetReceived(packet))
        }
    }

    private var inputClosed = false

    func channelReadComplete(context: ChannelHandlerContext) {
        // Under `fsync: always` what this burst stored reaches the disk before its PUBACKs go out.
        self.broker.durability.readBurstEnded()
        self.saveExactlyOnceState()
        self.flushOutput()
        self.inbound.readBurstEnded()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.sessionSubscription?.resume()
            for subscription in self.sharedSubscriptions.values { subscription.resume() }
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is BrokerShutdownEvent {
            self.run(self.stateMachine.closeRequested(.serverShuttingDown))
            return
        }
        if let alarm = event as? ResourceAlarmEvent {
            self.resourceAlarmChanged(alarm, context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Publishers are not read from while an alarm is raised; subscribers go on (they must be able
    /// to acknowledge). Keep-alive does not count the paused time.
    private func resourceAlarmChanged(_ alarm: ResourceAlarmEvent, context: ChannelHandlerContext) {
        switch alarm {
        case .raised(let reason):
            self.publisherGate.alarmRaised(reason: reason).apply(to: context.channel)
        case .cleared:
            let change = self.publisherGate.alarmCleared()
            if change == .resumeReading { self.stateMachine.inputResumed() }
            change.apply(to: context.channel)
        }
    }

    private var publisherGate = PublisherGate()
    /// A publisher repeats its topic and a subscriber mostly sees the same few: the last topic read, the last
    /// topic → routing key and routing key → topic mappings are reused while they repeat (no allocation).
    private var publishTopics = RepeatedStringCache()
    private var routingKeys = RepeatedMapping { MQTTTopic.routingKey(forTopic: $0) }
    private var deliveryTopics = RepeatedMapping { MQTTTopic.topic(forRoutingKey: $0) }
    var readingPaused: Bool { self.publisherGate.isReadingPaused }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.closeReason = "\(error)"
        context.close(promise: nil)
    }

    private func decodingFailed(_ error: any Error) {
        guard let error = error as? MQTTDecodingError else {
            self.run(self.stateMachine.decodingFailed(.malformedPacket))
            return
        }
        if case .unsupportedProtocol = error, !self.stateMachine.isConnected {
            // [MQTT-3.1.2-2] CONNACK 0x01 (3.1.1 format, the client's level is unknown), then close.
            self.closeReason = "unsupported protocol"
            self.output.buffer.writeMQTTPacket(
                .connAck(MQTTConnAck(sessionPresent: false, reasonCode: .unsupportedProtocolVersion)), version: .v311)
            self.flushOutput()
            self.context?.close(promise: nil)
            return
        }
        self.logger.debug("MQTT decoding failed", metadata: ["error": "\(error)"])
        self.run(self.stateMachine.decodingFailed(MQTTReasonCode(error)))
    }

    // MARK: - Actions

    private func run(_ action: Action) {
        switch action {
        case .none:
            break
        case .connect(let connect):
            self.connectTimeout?.cancel()
            self.connect(connect)
        case .refuseConnect(let refusal):
            self.closeReason = "CONNECT refused with \(refusal.reasonCode)"
            self.send(.connAck(refusal))
            self.flushOutput()
            self.context?.close(promise: nil)
        case .send(let packet):
            self.send(packet)
        case .publish(let publish, let topic):
            self.publish(publish, topic: topic)
        case .subscribe(let subscribe):
            self.subscribe(subscribe)
        case .unsubscribe(let unsubscribe):
            self.unsubscribe(unsubscribe)
        case .settle(let token, let reply):
            token.settle()
            if let reply { self.send(reply) }
        case .disconnected(let publishWill, let sessionExpiry):
            self.closeReason = "client disconnected"
            if let sessionExpiry, self.record != nil { self.record!.expiryInterval = sessionExpiry }
            if !publishWill { self.will = nil }
            self.detach(clean: true)
            self.flushOutput()
            self.context?.close(promise: nil)
        case .close(let reason, let sendDisconnect):
            self.closeReason = "closed with reason \(reason)"
            if sendDisconnect {
                self.output.buffer.writeMQTTPacket(.disconnect(MQTTDisconnect(reasonCode: reason)), version: .v5)
            }
            self.flushOutput()
            self.context?.close(promise: nil)
        }
    }

    private func send(_ packet: MQTTPacket) {
        self.output.buffer.writeMQTTPacket(packet, version: self.stateMachine.version)
        self.scheduleFlush()
    }

    /// Output written outside a read burst (a delivery caused by another connection) is flushed
    /// once when the event loop gets to it, so a burst of deliveries costs one syscall.
    private func scheduleFlush() {
        self.output.scheduleFlush()
    }

    private func flushOutput() {
        self.output.flush()
    }

    // MARK: - CONNECT

    private func connect(_ connect: MQTTConnect) {
        let version = connect.protocolVersion
        var clientID = connect.clientID
        var assigned = false
        if clientID.isEmpty {
            // [MQTT-3.1.3-8] 3.1.1 refuses an empty id without clean session; 5 assigns one.
            if version == .v311 && !connect.cleanStart {
                self.run(self.stateMachine.connectRefused(.clientIdentifierNotValid))
                self.run(.close(.clientIdentifierNotValid, sendDisconnect: false))
                return
            }
            clientID = "junction-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            assigned = true
        }
        guard let user = self.authenticate(connect) else {
            self.userName = nil
            let reason: MQTTReasonCode = connect.username == nil ? .notAuthorized : .badUserNameOrPassword
            self.logger.notice("MQTT login refused", metadata: ["user": "\(connect.username ?? "")"])
            guard let channel = self.context?.channel else { return }
            self.broker.refuseLogin(on: channel) { [self] in
                self.run(self.stateMachine.connectRefused(reason))
                self.run(.close(reason, sendDisconnect: false))
            }
            return
        }
        self.userName = user.name
        if let channel = self.context?.channel { self.broker.acceptLogin(on: channel) }
        guard let virtualHost = self.broker.virtualHost(self.configuration.virtualHost),
            let access = try? self.broker.accessContext(
                user: user.name, virtualHost: virtualHost.name, clientID: clientID)
        else {
            self.run(self.stateMachine.connectRefused(.notAuthorized))
            self.run(.close(.notAuthorized, sendDisconnect: false))
            return
        }
        self.access = access
        if let refusal = self.broker.connectionLimitRefusal(
            self.connectionID, user: user.name, virtualHost: virtualHost.name)
        {
            self.logger.notice("MQTT connection refused", metadata: ["reason": "\(refusal)"])
            self.run(self.stateMachine.connectRefused(.quotaExceeded))
            self.run(.close(.quotaExceeded, sendDisconnect: false))
            return
        }
        // A session belongs to the user who created it: another user's CONNECT with its client id
        // is refused, and the owner keeps its connection and its messages.
        let storedOwner: String?
        do {
            storedOwner = try self.server.sessions.load(clientID: clientID)?.owner
        } catch {
            self.run(self.stateMachine.sessionStoreFailedAtConnect())
            return
        }
        if let owner = self.server.live[clientID]?.userName ?? storedOwner, owner != user.name {
            self.logger.notice(
                "MQTT session takeover refused", metadata: ["client": "\(clientID)", "user": "\(user.name)"])
            self.run(self.stateMachine.connectRefused(.notAuthorized))
            self.run(.close(.notAuthorized, sendDisconnect: false))
            return
        }
        self.virtualHost = virtualHost
        self.logger[metadataKey: "client"] = "\(clientID)"

        // Session takeover [MQTT-3.1.4-3].
        if let previous = self.server.live[clientID] {
            previous.takenOver()
        }
        self.server.expiryTimers.removeValue(forKey: clientID)?.cancel()
        self.server.willTimers.removeValue(forKey: clientID)?.cancel()
        self.server.live[clientID] = self
        self.clientID = clientID
        self.will = connect.will

        let expiry = self.stateMachine.sessionExpiry
        var sessionPresent = false
        do {
            if let existing = try self.server.sessions.load(clientID: clientID), !connect.cleanStart {
                sessionPresent = true
                self.record = existing
            } else if connect.cleanStart {
                // A clean session may still have a stored session, or a queue left from an unclean end.
                try self.discardSession(clientID)
            }
            if self.record == nil { self.record = MQTTSessionRecord(clientID: clientID, expiryInterval: expiry) }
            self.record!.expiryInterval = expiry
            self.record!.owner = user.name
            // Stored at once (and stamped with the time), so the session survives a crash even before
            // its first SUBSCRIBE.
            if expiry > 0 { try self.server.sessions.save(self.record!) }
        } catch {
            // No CONNACK for a session the store did not take; nothing was attached, so no will.
            if self.server.live[clientID] === self { self.server.live[clientID] = nil }
            (self.clientID, self.record, self.will) = (nil, nil, nil)
            self.run(self.stateMachine.sessionStoreFailedAtConnect())
            return
        }
        self.creditPool.limit = self.stateMachine.clientReceiveMaximum

        var properties = MQTTProperties()
        if version == .v5 {
            if assigned { properties.assignedClientIdentifier = clientID }
            properties.topicAliasMaximum = self.configuration.topicAliasMaximum
            properties.maximumPacketSize = UInt32(clamping: self.configuration.maximumPacketSize)
            properties.retainAvailable = 1
            properties.wildcardSubscriptionAvailable = 1
            properties.subscriptionIdentifierAvailable = 1
            properties.sharedSubscriptionAvailable = 1
            if connect.properties.sessionExpiryInterval.map({ $0 > self.configuration.maximumSessionExpiry }) ?? false {
                properties.sessionExpiryInterval = expiry
            }
        }
        self.run(
            self.stateMachine.connectAccepted(
                sessionPresent: sessionPresent,
                inboundAwaitingRelease: self.record!.inboundAwaitingRelease,
                awaitingCompletion: self.record!.awaitingCompletion,
                properties: properties
            )
        )
        // The record saved above already holds the restored ids.
        self.savedExactlyOnceRevision = self.stateMachine.exactlyOnceRevision
        for release in self.stateMachine.pendingReleases { self.send(release) }
        self.startKeepAlive()
        if sessionPresent { self.restoreSubscriptions() }
    }

    private func authenticate(_ connect: MQTTConnect) -> AuthenticatedUser? {
        if self.configuration.useIdentityAsUsername, let context = self.context,
            let name = PeerIdentity.verifiedName(in: context.pipeline)
        {
            return self.authenticator.authenticate(certificateName: name, isLoopback: self.isLoopback)
        }
        guard let username = connect.username else {
            guard !self.configuration.anonymousLoopbackOnly || self.isLoopback else { return nil }
            return self.configuration.anonymousUser
        }
        let password = connect.password.map { String(buffer: $0) } ?? ""
        return self.authenticator.authenticate(username: username, password: password, isLoopback: self.isLoopback)
    }

    private func startKeepAlive() {
        guard let deadline = self.stateMachine.keepAliveDeadline else { return }
        self.scheduleKeepAlive(in: deadline)
    }

    private func scheduleKeepAlive(in delay: Duration) {
        guard let eventLoop = self.context?.eventLoop else { return }
        self.keepAliveTask = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { [self] in
            guard self.context != nil else { return }
            if self.readingPaused {
                // Silence while we do not read is not the client's.
                self.stateMachine.inputResumed()
            }
            let (action, next) = self.stateMachine.keepAliveTimerFired()
            if case .close = action { self.closeReason = "keep-alive timeout" }
            self.run(action)
            if let next { self.scheduleKeepAlive(in: next) }
        }
    }

    /// Another connection took over this client id: DISCONNECT 0x8E (MQTT 5), the will, close.
    func takenOver() {
        self.closeReason = "session taken over"
        self.detach(clean: false)
        self.run(self.stateMachine.closeRequested(.sessionTakenOver))
    }

    // MARK: - Session lifetime

    private func discardSession(_ clientID: String) throws {
        try self.server.sessions.remove(clientID: clientID)
        if let host = self.virtualHost {
            _ = try? host.deleteQueue(
                MQTTServerState.queueName(clientID: clientID), ifUnused: false, ifEmpty: false,
                owner: self.connectionID, access: AccessContext.trusted(virtualHost: host.name)
            )
        }
    }

    /// Ends this connection's part: subscriptions stop, unacknowledged deliveries go back to their
    /// queues, the session is saved or discarded, the will is published (or delayed).
    private func detach(clean: Bool) {
        guard !self.detached, let clientID = self.clientID, var record = self.record else { return }
        self.detached = true
        self.keepAliveTask?.cancel()
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
            try? self.server.sessions.save(record)
            if record.expiryInterval != UInt32.max, let eventLoop = self.context?.eventLoop {
                self.server.armExpiry(
                    clientID: clientID,
                    after: .seconds(Int64(record.expiryInterval)),
                    host: self.virtualHost,
                    eventLoop: eventLoop
                )
            }
        } else {
            // A failed delete (logged by the store) keeps the stored session and its queue together.
            try? self.discardSession(clientID)
            self.deleteUnusedSharedQueues(record)
        }
        self.record = record
        if !clean || self.will != nil { self.publishWill(record: record) }
    }

    /// Stores a persistent session's QoS 2 ids in flight when this burst changed them: one write
    /// per burst, before the burst's output (PUBREC, PUBCOMP) is flushed, so a PUBREC the client
    /// saw is never for an id a crash forgets, and a PUBREL owed is resent after one.
    private func saveExactlyOnceState() {
        let revision = self.stateMachine.exactlyOnceRevision
        guard revision != self.savedExactlyOnceRevision, !self.detached, let clientID = self.clientID,
            let record = self.record, record.expiryInterval > 0
        else { return }
        self.savedExactlyOnceRevision = revision
        do {
            try self.server.sessions.saveInFlight(
                clientID: clientID,
                inboundAwaitingRelease: self.stateMachine.inboundAwaitingRelease,
                awaitingCompletion: self.stateMachine.awaitingCompletion
            )
        } catch {
            // Not stored: this burst's PUBREC/PUBCOMP (and the rest of its unsent output) must not
            // leave. Unsent deliveries go back to their queues when the connection closes.
            self.closeReason = "session store failed"
            self.output.buffer.clear()
            self.run(self.stateMachine.sessionStoreFailed())
        }
    }

    /// A shared group's queue goes with its last member when that member's session ends.
    private func deleteUnusedSharedQueues(_ record: MQTTSessionRecord) {
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

    private func publishWill(record: MQTTSessionRecord) {
        guard let will = self.will, let clientID = self.clientID else { return }
        self.will = nil
        let delay = min(will.properties.willDelayInterval ?? 0, record.expiryInterval)
        let publish = MQTTPublish(
            topic: will.topic, qos: will.qos, retain: will.retain, properties: will.properties, payload: will.payload)
        if delay == 0 || self.context == nil {
            self.route(publish, topic: will.topic)
            return
        }
        let server = self.server
        let exchange = self.configuration.exchange
        let host = self.virtualHost
        let broker = self.broker
        let access = self.access
        server.willTimers[clientID] = self.context!.eventLoop.assumeIsolated().scheduleTask(in: .seconds(Int64(delay)))
        {
            server.willTimers[clientID] = nil
            _ = Self.route(
                publish, topic: will.topic, exchange: exchange, host: host, access: access, server: server,
                publisher: nil, now: broker.now)
        }
    }

    private func restoreSubscriptions() {
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

    // MARK: - PUBLISH in

    private func publish(_ publish: MQTTPublish, topic: String) {
        if let channel = self.context?.channel {
            self.publisherGate.publishReceived().apply(to: channel)
        }
        let durability = self.broker.durability
        let ticketBefore = durability.currentTicket
        let failuresBefore = durability.failedAppendCount
        switch self.route(publish, topic: topic) {
        case .success where durability.failedAppendCount != failuresBefore:
            // A durable queue could not store it: not acknowledged as taken.
            self.run(self.stateMachine.publishFailed(publish, reason: .unspecifiedError))
        case .success(let matched):
            // Stored in a durable queue and not yet on disk: PUBACK/PUBREC wait for the disk.
            let ticket = durability.currentTicket
            let waits = ticket != ticketBefore && !durability.isDurable(ticket)
            self.run(self.stateMachine.publishRouted(publish, matched: matched, durabilityTicket: waits ? ticket : nil))
            if self.stateMachine.isWaitingForDurability { durability.wait(self) }
        case .failure(let error):
            self.logger.debug("MQTT publish refused", metadata: ["error": "\(error)"])
            self.run(self.stateMachine.publishFailed(publish, reason: MQTTReasonCode(error)))
        }
    }

    /// Routes a PUBLISH (or will) and keeps retained messages; `true` when some queue took it.
    @discardableResult
    private func route(_ publish: MQTTPublish, topic: String) -> Result<Bool, BrokerError> {
        let publisher = self.server.noLocalSubscriptions > 0 ? self.clientID : nil
        return Self.route(
            publish, topic: topic, exchange: self.configuration.exchange, host: self.virtualHost, access: self.access,
            server: self.server,
            publisher: publisher, now: self.broker.now, routingKey: self.routingKeys.map(topic))
    }

    private static func route(
        _ publish: MQTTPublish,
        topic: String,
        exchange: String,
        host: VirtualHost?,
        access: AccessContext,
        server: MQTTServerState,
        publisher: String?,
        now: UInt64,
        routingKey: String? = nil
    ) -> Result<Bool, BrokerError> {
        guard let host else { return .failure(.notAllowed("no virtual host")) }
        var message = MQTTMessageMapping.message(
            from: publish, topic: topic, exchange: exchange, publisher: publisher, receivedAt: now,
            routingKey: routingKey)
        let outcome: PublishOutcome
        do {
            message.exchange = exchange
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
        switch outcome {
        case .routed(let count): return .success(count > 0)
        case .unroutable: return .success(false)
        }
    }

    // MARK: - SUBSCRIBE / UNSUBSCRIBE

    private func subscribe(_ subscribe: MQTTSubscribe) {
        guard let before = self.record else { return }
        let version = self.stateMachine.version
        var codes: [MQTTReasonCode] = []
        codes.reserveCapacity(subscribe.subscriptions.count)
        var retainedToSend: [(MQTTRetainedMessage, MQTTSubscription, Int?)] = []
        for requested in subscribe.subscriptions {
            let filter = requested.filter
            let shared = MQTTTopic.sharedSubscription(filter)
            let inner: String
            var group: String?
            switch shared {
            case .shared(let name, let sharedFilter):
                inner = sharedFilter
                group = name
            case .invalid:
                codes.append(.topicFilterInvalid)
                continue
            case .notShared:
                inner = filter
            }
            guard MQTTTopic.isValidFilter(inner) else {
                codes.append(.topicFilterInvalid)
                continue
            }
            if group != nil, requested.noLocal {
                // No-local on a shared subscription is a protocol error [MQTT-3.8.3-4].
                self.run(self.stateMachine.decodingFailed(.protocolError))
                return
            }
            let isNew = self.record!.subscriptions[filter] == nil
            let limit = self.virtualHost?.maxConsumersPerChannel ?? 0
            if isNew && limit > 0 && self.record!.subscriptions.count >= limit {
                // limits.max_consumers_per_channel: 0x97 (3.1.1: 0x80).
                codes.append(.quotaExceeded)
                continue
            }
            do {
                try self.bind(filter: inner, shared: group.map { ($0, inner) })
            } catch {
                codes.append(MQTTReasonCode(error))
                continue
            }
            if let old = self.record!.subscriptions[filter], old.subscription.noLocal {
                self.server.noLocalSubscriptions -= 1
            }
            if requested.noLocal { self.server.noLocalSubscriptions += 1 }
            let identifier = subscribe.properties.subscriptionIdentifiers.first
            self.record!.subscriptions[filter] = MQTTSessionSubscription(
                subscription: requested, identifier: identifier)
            if let group {
                self.attachShared(filter: filter, group: group, inner: inner)
            } else {
                self.attachSessionQueue()
                let sendRetained: Bool
                switch requested.retainHandling {
                case .sendOnSubscribe: sendRetained = true
                case .sendOnNewSubscribe: sendRetained = isNew
                case .doNotSend: sendRetained = false
                }
                if sendRetained {
                    for message in self.server.retained.matching(filter: inner) {
                        retainedToSend.append((message, requested, identifier))
                    }
                }
            }
            codes.append(MQTTReasonCode(rawValue: requested.qos.rawValue))
        }
        if self.record!.expiryInterval > 0 {
            do {
                try self.server.sessions.save(self.record!)
            } catch {
                self.revertSubscriptions(to: before)
                self.run(self.stateMachine.subscribeStoreFailed(subscribe))
                return
            }
        }
        self.send(.subAck(MQTTSubAck(packetID: subscribe.packetID, reasonCodes: codes)))
        // Retained messages go after SUBACK [MQTT-3.8.4-4], with the retain flag set.
        for (retained, subscription, identifier) in retainedToSend {
            let qos = min(retained.qos, subscription.qos)
            var publish = MQTTMessageMapping.publish(
                from: retained.message, qos: qos, retain: true, version: version, now: self.broker.now)
            publish.topic = retained.topic
            if let identifier, version == .v5 { publish.properties.subscriptionIdentifiers = [identifier] }
            self.write(publish, token: .retained)
        }
        self.sessionSubscription?.resume()
    }

    /// Binds the filter to the session's queue, or to its shared group's queue.
    private func bind(filter: String, shared: (group: String, filter: String)?) throws(BrokerError) {
        guard let host = self.virtualHost, let clientID = self.clientID else { return }
        let queue =
            shared.map { MQTTServerState.sharedQueueName(group: $0.group, filter: $0.filter) }
            ?? MQTTServerState.queueName(clientID: clientID)
        if host.queue(named: queue) == nil {
            // A persistent session's queue is durable: its definition, bindings and persistent
            // (QoS 1/2) messages survive a restart. A clean session's queue costs no storage.
            let persistent = shared == nil && (self.record?.expiryInterval ?? 0) > 0
            _ = try host.declareQueue(
                queue,
                durable: persistent,
                exclusive: false,
                autoDelete: false,
                arguments: [:],
                passive: false,
                owner: self.connectionID, access: self.access
            )
        }
        try host.bindQueue(
            queue,
            exchange: self.configuration.exchange,
            routingKey: MQTTTopic.bindingKey(forFilter: filter),
            arguments: [:],
            owner: self.connectionID, access: self.access
        )
        if shared == nil { self.sessionQueue = queue }
    }

    private func attachSessionQueue() {
        guard self.sessionSubscription == nil, let host = self.virtualHost, let clientID = self.clientID else { return }
        let queue = MQTTServerState.queueName(clientID: clientID)
        self.sessionQueue = queue
        if host.queue(named: queue) == nil {
            // The session's queue went (deleted by an operator): bind its filters again.
            for filter in self.record?.subscriptions.keys ?? [:].keys where !filter.hasPrefix("$share/") {
                try? self.bind(filter: filter, shared: nil)
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

    private func attachShared(filter: String, group: String, inner: String) {
        guard self.sharedSubscriptions[filter] == nil, let host = self.virtualHost, let clientID = self.clientID else {
            return
        }
        let queue = MQTTServerState.sharedQueueName(group: group, filter: inner)
        if host.queue(named: queue) == nil {
            try? self.bind(filter: inner, shared: (group, inner))
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

    private func unsubscribe(_ unsubscribe: MQTTUnsubscribe) {
        guard var record = self.record, let host = self.virtualHost else { return }
        let removed = unsubscribe.filters.map { record.subscriptions.removeValue(forKey: $0) }
        // Stored first: when the store fails, nothing is removed and the client is not told it was.
        if record.expiryInterval > 0 {
            do {
                try self.server.sessions.save(record)
            } catch {
                self.run(self.stateMachine.unsubscribeStoreFailed(unsubscribe))
                return
            }
        }
        self.record = record
        for (filter, entry) in zip(unsubscribe.filters, removed) {
            if let entry { self.stopSubscription(filter, entry, host: host) }
        }
        let codes = removed.map { $0 == nil ? MQTTReasonCode.noSubscriptionExisted : .success }
        self.send(.unsubAck(MQTTSubAck(packetID: unsubscribe.packetID, reasonCodes: codes)))
    }

    // MARK: - Durability (DurabilityWaiter)

    func durabilityAdvanced(to ticket: UInt64) {
        for packet in self.stateMachine.durabilityAdvanced(to: ticket) { self.send(packet) }
        if self.stateMachine.isWaitingForDurability { self.broker.durability.wait(self) }
    }

    func durabilityFailed() {
        self.closeReason = "store failed"
        self.run(self.stateMachine.durabilityFailed())
    }

    // MARK: - Deliveries (MessageConsumer)

    var isReadyForDeliveries: Bool {
        self.stateMachine.isConnected && !self.detached && (self.context?.channel.isWritable ?? false)
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
    private func write(_ publish: MQTTPublish, token: MQTTDeliveryToken) {
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

extension MQTTConnectionHandler: ClientConnection {
    var summary: ConnectionSummary {
        ConnectionSummary(
            id: self.connectionID,
            protocolName: self.stateMachine.version == .v5 ? "MQTT 5.0" : "MQTT 3.1.1",
            peer: self.peer,
            user: self.userName,
            virtualHost: self.virtualHost?.name,
            channelCount: self.clientID == nil ? 0 : 1,
            connectedAtMilliseconds: self.connectedAt,
            clientProperties: self.clientID.map { ["client_id": $0] } ?? [:]
        )
    }

    func closeByOperator(reason: String) {
        self.closeReason = reason
        self.run(self.stateMachine.closeRequested(.administrativeAction))
    }
}

@available(*, unavailable)
extension MQTTConnectionHandler: Sendable {}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
