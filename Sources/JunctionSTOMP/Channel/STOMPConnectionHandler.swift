import JunctionCore
import JunctionSTOMPCodec
import JunctionTransport
import Logging
import NIOCore

/// Glue between one connection and the STOMP session state machine and the broker engine. It takes
/// and gives `ByteBuffer`s and frames its own input, so a WebSocket frame handler can sit in front
/// of it unchanged. It is the engine's consumer for all of the session's subscriptions. Output is
/// collected in one buffer and flushed once per read burst.
final class STOMPConnectionHandler: ChannelDuplexHandler, MessageConsumer {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Never
    typealias OutboundOut = ByteBuffer

    /// A classic queue's or a stream consumer's delivery.
    typealias Unacked = HeldDelivery

    struct ActiveSubscription {
        var subscription: STOMPConsumerSource
        var destination: STOMPDestination
        /// MESSAGE frames name the publish address (topic, exchange) rather than the subscription's.
        var namesPublishAddress: Bool
        var queueName: String
    }

    let broker: Broker
    let configuration: STOMPAdapterConfiguration
    let connectionID: ConnectionID
    let authenticator: any Authenticator
    let isLoopback: Bool
    var logger: Logger

    var stateMachine: STOMPSessionStateMachine<ContinuousClock>
    private var decoder: STOMPFrameDecoder
    private var inbound = InboundBuffer()

    private(set) var context: ChannelHandlerContext?
    let output: ConnectionOutput
    private var closing = false
    private var heartbeatTask: Scheduled<Void>?
    private var connectTimeout: Scheduled<Void>?
    private var closeReason = "client closed the socket"
    /// Whether the connection opened for this handler (after a WebSocket upgrade it already was; TLS
    /// opens it after the handshake). Closing one that never opened, a failed TLS handshake, is not news.
    private var announced = false
    private var peer = "unknown"
    private let connectedAt: UInt64

    var user: AuthenticatedUser?
    var virtualHost: VirtualHost?
    /// The client's identity in `virtualHost`; before CONNECT, a context refused everything.
    var access: AccessContext
    var subscriptions: [String: ActiveSubscription] = [:]
    var unacked = STOMPUnackedDeliveries<Unacked>()
    var autoMessageCounter: UInt64 = 0
    /// `/temp-queue/<name>` → the server-named queue behind it.
    var tempQueues: [String: String] = [:]
    private var publisherGate = PublisherGate()
    /// The durability ticket of this connection's latest stored message: receipts wait for it.
    var storedTicket: UInt64?
    private var pendingReceipts = STOMPPendingReceipts()
    /// DISCONNECT's receipt is held behind a stored message: close once it has been sent.
    private var closesAfterReceipts = false

    init(
        broker: Broker,
        configuration: STOMPAdapterConfiguration,
        authenticator: any Authenticator,
        connectionID: ConnectionID,
        isLoopback: Bool,
        logger: Logger
    ) {
        self.broker = broker
        self.configuration = configuration
        self.output = ConnectionOutput(minimumCapacity: 4096, deliveryHighWaterMark: configuration.outputLowWaterBytes)
        self.authenticator = authenticator
        self.connectionID = connectionID
        self.isLoopback = isLoopback
        self.logger = logger
        self.access = broker.accessBeforeLogin()
        self.connectedAt = broker.now
        self.stateMachine = STOMPSessionStateMachine(
            clock: ContinuousClock(),
            heartbeatOffer: .init(
                sendEvery: configuration.heartbeatSendEvery,
                expectEvery: configuration.heartbeatExpectEvery
            ),
            maxTransactionBytes: configuration.maxTransactionBytes
        )
        self.decoder = STOMPFrameDecoder(
            limits: configuration.limits.beforeLogin(maxFrameBytes: configuration.maxPreloginFrameBytes))
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.announced = context.channel.isActive
        self.output.attach(context)
        self.output.onDrained = { [self] in self.resumeSubscriptions() }
        self.logger[metadataKey: "connection"] = "\(self.connectionID.rawValue)"
        if let peer = context.channel.remoteAddress {
            self.peer = peer.peerDescription
            self.logger[metadataKey: "peer"] = "\(self.peer)"
        }
        // Registered at once: after a WebSocket upgrade the channel is already active.
        self.broker.connectionOpened(self)
        self.connectTimeout = context.eventLoop.assumeIsolated().scheduleTask(
            in: Self.timeAmount(self.configuration.connectTimeout)
        ) { [self] in
            guard self.context != nil, !self.stateMachine.isConnected else { return }
            self.closeReason = "no CONNECT in time"
            self.stateMachine.closed()
            self.context?.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.output.detach()
    }

    func channelActive(context: ChannelHandlerContext) {
        self.announced = true
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.heartbeatTask?.cancel()
        self.broker.durability.stopWaiting(self)
        self.connectTimeout?.cancel()
        self.stateMachine.closed()
        self.tearDown()
        self.broker.connectionClosed(self.connectionID)
        self.logger.log(
            level: self.announced ? .info : .debug,
            "STOMP connection closed",
            metadata: ["reason": "\(self.closeReason)"]
        )
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.closing else { return }
        self.stateMachine.inputReceived()
        self.inbound.append(Self.unwrapInboundIn(data))
        self.processInbound()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Under `fsync: always` what this burst stored reaches the disk before its receipts go out.
        self.broker.durability.readBurstEnded()
        self.flushOutput()
        self.inbound.readBurstEnded()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.resumeSubscriptions() }
        context.fireChannelWritabilityChanged()
    }

    func resumeSubscriptions() {
        for active in self.subscriptions.values {
            active.subscription.resume()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is BrokerShutdownEvent {
            self.run(self.stateMachine.fail(STOMPError("Server shutdown", "the broker is stopping")))
            return
        }
        if let alarm = event as? ResourceAlarmEvent {
            self.alarmChanged(alarm, context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.closeReason = "\(error)"
        context.close(promise: nil)
    }

    // MARK: - Input

    private func processInbound() {
        guard var buffer = self.inbound.bytes else { return }
        defer { self.inbound.bytes = buffer }
        while self.context != nil && !self.closing {
            let item: STOMPInbound?
            do {
                item = try self.decoder.decode(buffer: &buffer)
            } catch {
                buffer.moveReaderIndex(to: buffer.writerIndex)
                self.run(self.stateMachine.fail(STOMPError(error)))
                return
            }
            switch item {
            case nil:
                return
            case .heartbeat:
                continue
            case .frame(let frame):
                self.run(self.stateMachine.frameReceived(frame))
            }
        }
    }

    // MARK: - Actions

    func run(_ action: STOMPSessionAction) {
        switch action {
        case .none:
            break
        case .connect(let request):
            self.connect(request)
        case .send(let request, let receipt):
            self.perform(receipt) { () throws(STOMPError) in try self.publish(request) }
        case .subscribe(let request, let receipt):
            var subscribed: STOMPConsumerSource?
            self.perform(receipt) { () throws(STOMPError) in subscribed = try self.subscribe(request) }
            // Deliveries start after the RECEIPT is in the output. (A receipt held behind this connection's
            // stored messages still goes out after the first MESSAGE frames: nothing is held back for it.)
            subscribed?.resume()
        case .unsubscribe(let id, let durable, let receipt):
            self.perform(receipt) { () throws(STOMPError) in try self.unsubscribe(id, deleteDurableQueue: durable) }
        case .settle(let request, let receipt):
            self.perform(receipt) { () throws(STOMPError) in self.settle(request) }
        case .commit(let commands, let receipt):
            self.perform(receipt) { () throws(STOMPError) in
                for command in commands {
                    switch command {
                    case .send(let request): try self.publish(request)
                    case .settle(let request): self.settle(request)
                    }
                }
            }
        case .receipt(let receipt):
            self.sendReceiptWhenDurable(receipt)
        case .sendHeartbeat:
            self.output.buffer.writeSTOMPHeartbeat()
            self.flushOutput()
        case .disconnect(let receipt):
            self.closeReason = "client disconnected"
            // STOMP 1.2 "Graceful Disconnect": the receipt says every earlier frame was processed,
            // so it waits for their messages to be durable, and the connection closes after it.
            if let receipt, !self.sendReceiptWhenDurable(receipt) {
                self.closesAfterReceipts = true
            } else {
                self.closeAfterFlush()
            }
        case .fail(let error):
            self.closeReason = "\(error.message): \(error.detail)"
            self.logger.notice("STOMP error", metadata: ["message": "\(error.message)", "detail": "\(error.detail)"])
            self.output.buffer.writeSTOMPFrame(error.frame, version: self.stateMachine.version)
            self.closeAfterFlush()
        }
    }

    /// Does the work of one frame; on success sends its RECEIPT, on failure the ERROR (with `receipt-id`).
    private func perform(_ receipt: String?, _ work: () throws(STOMPError) -> Void) {
        do {
            try work()
            if let receipt { self.sendReceiptWhenDurable(receipt) }
        } catch {
            var error = error
            error.receiptID = receipt
            self.run(self.stateMachine.fail(error))
        }
    }

    /// Sends the RECEIPT now, or holds it until this connection's stored messages are durable.
    /// Returns whether it was sent.
    @discardableResult
    private func sendReceiptWhenDurable(_ receipt: String) -> Bool {
        let durability = self.broker.durability
        let ticket = self.storedTicket.flatMap { durability.isDurable($0) ? nil : $0 }
        guard self.pendingReceipts.add(receipt, ticket: ticket) else {
            durability.wait(self)
            return false
        }
        self.writeReceipt(receipt)
        return true
    }

    private func writeReceipt(_ receipt: String) {
        self.output.buffer.writeSTOMPFrame(
            STOMPFrame(.receipt, headers: ["receipt-id": receipt]), version: self.stateMachine.version)
        self.scheduleFlush()
    }

    private func connect(_ request: STOMPConnectRequest) {
        // A CONNECT without `login` is anonymous: for clients on this machine only.
        let login = request.login ?? (self.isLoopback ? self.configuration.defaultLogin : nil)
        let passcode = request.passcode ?? (request.login == nil ? self.configuration.defaultPasscode : nil)
        guard let login,
            let user = self.authenticator.authenticate(
                username: login, password: passcode ?? "", isLoopback: self.isLoopback)
        else {
            self.logger.notice("STOMP login refused", metadata: ["user": "\(request.login ?? "")"])
            guard let channel = self.context?.channel else { return }
            self.broker.refuseLogin(on: channel) { [self] in
                self.run(
                    self.stateMachine.fail(
                        STOMPError("Bad CONNECT", "Access refused for user '\(request.login ?? "")'")))
            }
            return
        }
        // `host` is often the server's hostname rather than a vhost: then the default vhost applies.
        let vhostName =
            request.host.flatMap { self.broker.virtualHost($0) != nil ? $0 : nil }
            ?? self.broker.configuration.defaultVirtualHost
        guard let vhost = self.broker.virtualHost(vhostName),
            let access = try? self.broker.accessContext(user: user.name, virtualHost: vhostName)
        else {
            self.run(
                self.stateMachine.fail(
                    STOMPError("Bad CONNECT", "access to vhost '\(vhostName)' refused for user '\(user.name)'")
                )
            )
            return
        }
        self.access = access
        if let refusal = self.broker.connectionLimitRefusal(self.connectionID, user: user.name, virtualHost: vhostName)
        {
            self.logger.notice("STOMP connection refused", metadata: ["reason": "\(refusal)"])
            self.run(self.stateMachine.fail(STOMPError("Bad CONNECT", refusal)))
            return
        }
        self.user = user
        self.virtualHost = vhost
        if let channel = self.context?.channel { self.broker.acceptLogin(on: channel) }
        self.logger[metadataKey: "user"] = "\(user.name)"
        guard
            let connected = self.stateMachine.connectSucceeded(
                session: "session-\(self.connectionID.rawValue)",
                server: "Junction/\(self.configuration.productVersion)"
            )
        else { return }
        self.connectTimeout?.cancel()
        self.decoder.version = request.version
        self.decoder.limits = self.configuration.limits
        self.output.buffer.writeSTOMPFrame(connected, version: request.version)
        self.scheduleFlush()
        self.logger.info("STOMP session opened", metadata: ["version": "\(request.version.rawValue)"])
        if let interval = self.stateMachine.heartbeatTimerInterval {
            self.scheduleHeartbeat(every: Self.timeAmount(interval))
        }
    }

    private func scheduleHeartbeat(every period: TimeAmount) {
        guard let eventLoop = self.context?.eventLoop else { return }
        self.heartbeatTask = eventLoop.assumeIsolated().scheduleTask(in: period) { [self] in
            guard self.context != nil else { return }
            self.run(self.stateMachine.heartbeatTimerFired())
            if self.stateMachine.isConnected {
                self.scheduleHeartbeat(every: period)
            }
        }
    }

    // MARK: - Output

    /// Output written outside a read burst (a delivery caused by another connection's publish) is
    /// flushed once when the event loop gets to it, so a burst of deliveries costs one syscall.
    func scheduleFlush() {
        self.output.scheduleFlush()
    }

    func flushOutput() {
        if self.output.flush() {
            self.stateMachine.outputSent()
        }
    }

    private func closeAfterFlush() {
        guard !self.closing else { return }
        self.closing = true
        self.heartbeatTask?.cancel()
        self.broker.durability.stopWaiting(self)
        _ = self.pendingReceipts.removeAll()
        self.tearDown()
        self.flushOutput()
        self.context?.close(promise: nil)
    }

    // MARK: - Flow control

    /// A publish arrived: under an active alarm this connection stops being read from (TCP back-pressure).
    func publishReceived() {
        guard let channel = self.context?.channel else { return }
        self.publisherGate.publishReceived().apply(to: channel)
    }

    private func alarmChanged(_ alarm: ResourceAlarmEvent, context: ChannelHandlerContext) {
        switch alarm {
        case .raised(let reason): self.publisherGate.alarmRaised(reason: reason).apply(to: context.channel)
        case .cleared: self.publisherGate.alarmCleared().apply(to: context.channel)
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

// MARK: - DurabilityWaiter

extension STOMPConnectionHandler: DurabilityWaiter {
    func durabilityAdvanced(to ticket: UInt64) {
        guard !self.closing else { return }
        for receipt in self.pendingReceipts.durable(through: ticket) {
            self.writeReceipt(receipt)
        }
        if !self.pendingReceipts.isEmpty {
            self.broker.durability.wait(self)
        } else if self.closesAfterReceipts {
            self.closeAfterFlush()
        }
    }

    /// The store could not sync: the held receipts will never be true, so the session fails with an
    /// ERROR naming the first of them (STOMP 1.2 "ERROR": the client must assume nothing after it).
    func durabilityFailed() {
        guard !self.closing else { return }
        let first = self.pendingReceipts.removeAll().first
        self.run(
            self.stateMachine.fail(
                STOMPError("internal_error", "the message store could not make the message durable", receiptID: first)
            )
        )
    }
}

extension STOMPConnectionHandler: ClientConnection {
    var summary: ConnectionSummary {
        ConnectionSummary(
            id: self.connectionID,
            protocolName: "STOMP \(self.stateMachine.version.rawValue)",
            peer: self.peer,
            user: self.user?.name,
            virtualHost: self.virtualHost?.name,
            channelCount: self.stateMachine.isConnected ? 1 : 0,
            connectedAtMilliseconds: self.connectedAt
        )
    }

    func closeByOperator(reason: String) {
        self.closeReason = reason
        self.run(self.stateMachine.fail(STOMPError("Connection closed by the broker", reason)))
    }
}

@available(*, unavailable)
extension STOMPConnectionHandler: Sendable {}
