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
    let authenticator: any Authenticator
    let isLoopback: Bool
    /// The listener's logger. This connection's metadata is added when a line is logged (at the edges
    /// only) instead of being stored: a logger carrying metadata costs every idle connection ~650 bytes.
    let baseLogger: Logger
    var logger: Logger {
        var logger = self.baseLogger
        logger[metadataKey: "connection"] = "\(self.connectionID.rawValue)"
        if let clientID = self.clientID { logger[metadataKey: "client"] = "\(clientID)" }
        return logger
    }

    var stateMachine: MQTTSessionStateMachine<ContinuousClock, MQTTDeliveryToken>
    var decoder: MQTTPacketDecoder
    var inbound = InboundBuffer()
    var context: ChannelHandlerContext?
    let output: ConnectionOutput
    var keepAliveTask: Scheduled<Void>?
    var connectTimeout: Scheduled<Void>?

    // The attached session.
    var clientID: String?
    var virtualHost: VirtualHost?
    /// The client's identity (with its client id, for `{client_id}` in topic permissions); before
    /// CONNECT, a context that is refused everything.
    var access: AccessContext
    var record: MQTTSessionRecord?
    var will: MQTTWill?
    var sessionQueue: String?
    var sessionSubscription: Subscription?
    /// Shared-group subscriptions by their `$share/…` filter.
    var sharedSubscriptions: [String: Subscription] = [:]
    var creditPool = CreditPool(limit: 0)
    /// The state machine's `exactlyOnceRevision` last written to the session store.
    var savedExactlyOnceRevision: UInt64 = 0
    var detached = false
    var closeReason = "client closed the socket"
    var peer = "unknown"
    var userName: String?
    let connectedAt: UInt64

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
        self.output = ConnectionOutput(minimumCapacity: 1024, deliveryHighWaterMark: configuration.outputLowWaterBytes)
        self.authenticator = authenticator
        self.connectionID = connectionID
        self.isLoopback = isLoopback
        self.baseLogger = logger
        self.access = broker.accessBeforeLogin()
        self.decoder = MQTTPacketDecoder(
            maximumPacketSize: min(configuration.maximumPacketSize, configuration.maximumPreloginPacketSize))
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
        self.output.onDrained = { [self] in self.resumeSubscriptions() }
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
        self.processInbound()
    }

    /// Decodes and handles the packets read so far; stops while session state waits to be stored
    /// (the packets after it are handled once it is, in order).
    func processInbound() {
        guard var buffer = self.inbound.bytes else { return }
        defer { self.inbound.bytes = buffer }
        while self.context != nil, !self.inputClosed, self.pendingSessionWrites == 0 {
            let packet: MQTTPacket
            do {
                guard let raw = try self.decoder.decodePacket(buffer: &buffer) else { return }
                packet = try MQTTPacket.decode(raw, version: self.stateMachine.version, topics: &self.publishTopics)
            } catch {
                let connectVersion = MQTTPacketDecoder.connectProtocolVersion(in: buffer)
                buffer.moveReaderIndex(to: buffer.writerIndex)
                self.inputClosed = true
                if case .packetTooLarge(let size, let limit) = error, !self.stateMachine.isConnected {
                    self.closeReason = "CONNECT of \(size) bytes, over limits.max_prelogin_frame_bytes \(limit)"
                    self.logger.notice("MQTT packet before login too large", metadata: ["size": "\(size)"])
                    self.run(self.stateMachine.packetTooLargeBeforeConnect(version: connectVersion))
                    return
                }
                self.decodingFailed(error)
                return
            }
            self.run(self.stateMachine.packetReceived(packet))
        }
    }

    var inputClosed = false
    /// A refused retained message is logged once per connection (every refusal is counted).
    var retainedRefusalLogged = false

    /// Session writes staged and not yet committed. While any is, no packet is handled and no
    /// output leaves: nothing is acknowledged before the state it depends on is stored, and the
    /// engine loop serves the other connections meanwhile.
    var pendingSessionWrites = 0

    /// Stages `write` for the session store's group commit; `then` runs with its outcome (at once
    /// for a store in memory). Output and inbound packets wait for it.
    func stageSessionWrite(_ write: MQTTSessionWrite, then: @escaping ((any Error)?) -> Void) {
        self.pendingSessionWrites += 1
        var returned = false
        self.server.sessions.stage(write) { [self] error in
            self.pendingSessionWrites -= 1
            then(error)
            if returned, self.pendingSessionWrites == 0 { self.sessionWritesStored() }
        }
        returned = true
    }

    /// The group commit took what this connection waited for: the held output leaves and the
    /// packets read meanwhile are handled, as at the end of a read burst.
    func sessionWritesStored() {
        guard self.context != nil else { return }
        self.processInbound()
        self.broker.durability.readBurstEnded()
        self.saveExactlyOnceState()
        self.flushOutput()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Under `fsync: always` what this burst stored reaches the disk before its PUBACKs go out.
        self.broker.durability.readBurstEnded()
        self.saveExactlyOnceState()
        self.flushOutput()
        self.inbound.readBurstEnded()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.resumeSubscriptions() }
        context.fireChannelWritabilityChanged()
    }

    func resumeSubscriptions() {
        self.sessionSubscription?.resume()
        for subscription in self.sharedSubscriptions.values { subscription.resume() }
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
    func resourceAlarmChanged(_ alarm: ResourceAlarmEvent, context: ChannelHandlerContext) {
        switch alarm {
        case .raised(let reason):
            self.publisherGate.alarmRaised(reason: reason).apply(to: context.channel)
        case .cleared:
            let change = self.publisherGate.alarmCleared()
            if change == .resumeReading { self.stateMachine.inputResumed() }
            change.apply(to: context.channel)
        }
    }

    var publisherGate = PublisherGate()
    /// A publisher repeats its topic and a subscriber mostly sees the same few: the last topic read, the last
    /// topic → routing key and routing key → topic mappings are reused while they repeat (no allocation).
    var publishTopics = RepeatedStringCache()
    var routingKeys = RepeatedMapping { MQTTTopic.routingKey(forTopic: $0) }
    var deliveryTopics = RepeatedMapping { MQTTTopic.topic(forRoutingKey: $0) }
    var readingPaused: Bool { self.publisherGate.isReadingPaused }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.closeReason = "\(error)"
        context.close(promise: nil)
    }

    func decodingFailed(_ error: any Error) {
        guard let error = error as? MQTTDecodingError else {
            self.run(self.stateMachine.decodingFailed(.malformedPacket))
            return
        }
        if case .unsupportedProtocol = error {
            self.run(self.stateMachine.unsupportedProtocolVersion())
            return
        }
        self.logger.debug("MQTT decoding failed", metadata: ["error": "\(error)"])
        self.run(self.stateMachine.decodingFailed(MQTTReasonCode(error)))
    }

    // MARK: - Actions

    func run(_ action: Action) {
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

    func send(_ packet: MQTTPacket) {
        self.output.buffer.writeMQTTPacket(packet, version: self.stateMachine.version)
        self.scheduleFlush()
    }

    /// Output written outside a read burst (a delivery caused by another connection) is flushed
    /// once when the event loop gets to it, so a burst of deliveries costs one syscall.
    func scheduleFlush() {
        guard self.pendingSessionWrites == 0 else { return }
        self.output.scheduleFlush()
    }

    func flushOutput() {
        guard self.pendingSessionWrites == 0 else { return }
        self.output.flush()
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
