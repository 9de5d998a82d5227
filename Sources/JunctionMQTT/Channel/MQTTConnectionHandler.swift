import JunctionCore
import JunctionMQTTCodec
import JunctionModel
import JunctionTransport
import Logging
import NIOCore

/// Glue between one TCP connection, the session state machine and the engine. It frames its own
/// input; every packet of a read burst is encoded into one buffer and flushed once.
final class MQTTConnectionHandler: ChannelDuplexHandler, MessageConsumer, DurabilityWaiter, MQTTDeadlineWaiter {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Never
    typealias OutboundOut = ByteBuffer
    typealias Action = MQTTSessionAction<MQTTDeliveryToken>

    // Every stored property here is paid by each idle connection (issue 12: ≤ 2 KiB each, 100,000
    // of them): what the listener's connections share lives in `server`, what an idle connection
    // does not use lives in `extras`, allocated on first use.
    let server: MQTTServerState
    let connectionID: ConnectionID
    let isLoopback: Bool
    var broker: Broker { self.server.broker }
    /// Borrowed, not copied: a PUBLISH reads its exchange from here.
    var configuration: MQTTAdapterConfiguration {
        _read { yield self.server.configuration }
    }
    var authenticator: any Authenticator { self.server.authenticator }
    var logger: Logger {
        var logger = self.server.logger
        logger[metadataKey: "connection"] = "\(self.connectionID.rawValue)"
        if let clientID = self.clientID { logger[metadataKey: "client"] = "\(clientID)" }
        return logger
    }

    var stateMachine: MQTTSessionStateMachine<ContinuousClock, MQTTDeliveryToken>
    var decoder: MQTTPacketDecoder
    var inbound = InboundBuffer()
    var context: ChannelHandlerContext?
    let output: ConnectionOutput
    /// Where this connection waits in `server.deadlines` (-1: it does not).
    var deadlineSlot: Int32 = -1
    var deadlineIndex: Int32 = 0

    // The attached session.
    var clientID: String?
    var virtualHost: VirtualHost?
    var record: MQTTSessionRecord?
    private(set) var extrasStorage: MQTTConnectionExtras?
    /// The state machine's `exactlyOnceRevision` last written to the session store.
    var savedExactlyOnceRevision: UInt64 = 0
    var detached = false
    var inputClosed = false
    var closeReason = "client closed the socket"
    var userName: String?
    let connectedAt: UInt64

    init(server: MQTTServerState, connectionID: ConnectionID, isLoopback: Bool) {
        self.server = server
        let configuration = server.configuration
        self.output = ConnectionOutput(minimumCapacity: 1024, deliveryHighWaterMark: configuration.outputLowWaterBytes)
        self.connectionID = connectionID
        self.isLoopback = isLoopback
        self.decoder = MQTTPacketDecoder(
            maximumPacketSize: min(configuration.maximumPacketSize, configuration.maximumPreloginPacketSize))
        self.connectedAt = server.broker.now
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

    /// What only a connection that does more than stay open needs, allocated on first use.
    var extras: MQTTConnectionExtras {
        if let extras = self.extrasStorage { return extras }
        let extras = MQTTConnectionExtras()
        self.extrasStorage = extras
        return extras
    }

    /// Its will, if the connection has one.
    var will: MQTTWill? {
        get { self.extrasStorage?.will }
        set {
            if newValue != nil || self.extrasStorage != nil { self.extras.will = newValue }
        }
    }
    var sessionSubscription: Subscription? {
        get { self.extrasStorage?.sessionSubscription }
        set {
            if newValue != nil || self.extrasStorage != nil { self.extras.sessionSubscription = newValue }
        }
    }
    var sharedSubscriptions: [String: Subscription] {
        get { self.extrasStorage?.sharedSubscriptions ?? [:] }
        set {
            if !newValue.isEmpty || self.extrasStorage != nil { self.extras.sharedSubscriptions = newValue }
        }
    }

    /// The client's identity (with its client id, for `{client_id}` in topic permissions), created
    /// at the first engine call that needs it; before CONNECT, or once the user lost access to the
    /// virtual host, a context that is refused everything.
    var access: AccessContext {
        if let access = self.extrasStorage?.access { return access }
        guard let user = self.userName, let host = self.virtualHost,
            let access = try? self.broker.accessContext(user: user, virtualHost: host.name, clientID: self.clientID)
        else { return self.broker.accessBeforeLogin() }
        self.extras.access = access
        return access
    }

    /// Credit shared by the session's subscriptions, created with the first of them.
    var creditPool: CreditPool {
        if let pool = self.extrasStorage?.creditPool { return pool }
        let pool = CreditPool(limit: self.stateMachine.clientReceiveMaximum)
        self.extras.creditPool = pool
        return pool
    }

    var peer: String { self.context?.channel.remoteAddress?.peerDescription ?? "unknown" }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.output.attach(context)
        self.output.onDrained = { [self] in self.resumeSubscriptions() }
        // Registered at once: after a WebSocket upgrade the channel is already active.
        self.broker.connectionOpened(self)
        // The connect timeout: CONNECT must arrive within mqtt.connect_timeout_seconds.
        self.server.deadlines.schedule(self, in: self.configuration.connectTimeout, on: context.eventLoop)
    }

    /// This connection's CONNECT or keep-alive deadline came (`MQTTDeadlineWheel`).
    func deadlineReached() {
        guard let context = self.context else { return }
        if self.readingPaused {
            // Silence while we do not read is not the client's.
            self.stateMachine.inputResumed()
        }
        let (action, next) = self.stateMachine.deadlineReached(connectTimeout: self.configuration.connectTimeout)
        if case .close(let reason, _) = action {
            self.closeReason = reason == .keepAliveTimeout ? "keep-alive timeout" : "no CONNECT in time"
        }
        self.run(action)
        if let next, self.context != nil { self.server.deadlines.schedule(self, in: next, on: context.eventLoop) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.output.detach()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.server.deadlines.remove(self)
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
                packet = try self.decode(raw)
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

    /// Only a PUBLISH uses (and so allocates) the topic cache.
    private func decode(_ raw: MQTTRawPacket) throws(MQTTDecodingError) -> MQTTPacket {
        guard raw.type == .publish else {
            var unused = RepeatedStringCache()
            return try MQTTPacket.decode(raw, version: self.stateMachine.version, topics: &unused)
        }
        return try MQTTPacket.decode(raw, version: self.stateMachine.version, topics: &self.extras.publishTopics)
    }

    /// Session writes staged and not yet committed. While any is, no packet is handled and no
    /// output leaves: nothing is acknowledged before the state it depends on is stored, and the
    /// engine loop serves the other connections meanwhile.
    var pendingSessionWrites = 0

    /// Stages `write` for the session store's group commit; `then` runs with its outcome (at once
    /// for a store in memory). Output and inbound packets wait for it.
    func stageSessionWrite(_ write: MQTTSessionWrite, then: @escaping ((any Error)?) -> Void) {
        self.pendingSessionWrites += 1
        // A flush scheduled earlier in this burst (a PUBREL or PUBREC sent from `channelRead`) waits too.
        self.output.isHeld = true
        var returned = false
        self.server.sessions.stage(write) { [self] error in
            self.pendingSessionWrites -= 1
            if self.pendingSessionWrites == 0 { self.output.isHeld = false }
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
        guard let extras = self.extrasStorage else { return }
        extras.sessionSubscription?.resume()
        for subscription in extras.sharedSubscriptions.values { subscription.resume() }
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
            self.extras.publisherGate.alarmRaised(reason: reason).apply(to: context.channel)
        case .cleared:
            let change = self.extras.publisherGate.alarmCleared()
            if change == .resumeReading { self.stateMachine.inputResumed() }
            change.apply(to: context.channel)
        }
    }

    var readingPaused: Bool { self.extrasStorage?.publisherGate.isReadingPaused ?? false }

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
            self.server.deadlines.remove(self)
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
            if case .pubRel = reply, self.record.map({ $0.expiryInterval > 0 }) == true, !self.detached {
                // A client hands a QoS 2 message to its application on PUBREL: the engine may forget the
                // message only once the PUBREL owed for it is stored, or a crash between the two loses it.
                self.extras.settlesAwaitingStore.append(token)
            } else {
                token.settle()
            }
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
    var protocolLabel: String { self.stateMachine.version == .v5 ? "MQTT 5.0" : "MQTT 3.1.1" }
    var login: (user: String?, virtualHost: String?) { (self.userName, self.virtualHost?.name) }

    var summary: ConnectionSummary {
        ConnectionSummary(
            id: self.connectionID,
            protocolName: self.protocolLabel,
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
