import JunctionAMQPCodec
import JunctionCore
import JunctionModel
import JunctionTransport
import Logging
import NIOCore

/// Glue between one TCP connection and the AMQP state machines and the broker engine. It frames its
/// own input, runs the connection state machine for channel 0 and hands other channels' frames to
/// their `AMQPChannelSession`. Output is collected in one buffer and flushed once per read burst.
final class AMQPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Never
    typealias OutboundOut = ByteBuffer

    let broker: Broker
    let configuration: AMQPAdapterConfiguration
    let connectionID: ConnectionID
    private let authenticator: any Authenticator
    private let isLoopback: Bool
    private var logger: Logger

    private var stateMachine: AMQPConnectionStateMachine<ContinuousClock>
    private var decoder: AMQPFrameDecoder
    private var inbound = InboundBuffer()
    private var awaitingProtocolHeader = true
    /// After a framing error the byte stream is out of step: what was buffered is dropped.
    private var inputDiscarded = false

    private var context: ChannelHandlerContext?
    let output: AMQPOutput
    private var sessions: [UInt16: AMQPChannelSession] = [:]
    /// The session of the last frame, also in `sessions`.
    private var lastSession: AMQPChannelSession?
    private var heartbeatTask: Scheduled<Void>?
    private var handshakeTimeout: Scheduled<Void>?
    private var closeTimeout: Scheduled<Void>?
    private var closeReason = "client closed the socket"
    /// Whether the connection opened for this handler (after a WebSocket upgrade it already was; TLS
    /// opens it after the handshake). Closing one that never opened, a failed TLS handshake, is not news.
    private var announced = false

    private let connectedAt: UInt64
    private var peer = "unknown"
    private var clientProperties: [String: String] = [:]
    private(set) var user: AuthenticatedUser?
    /// The verified TLS client certificate's common name, read once when connection.start is sent.
    private var certificateName: String?
    private(set) var virtualHost: VirtualHost?
    /// The caller's identity in `virtualHost`, from connection.open; each channel takes a sibling.
    private var access: AccessContext?
    private(set) var clientSupportsCancelNotify = false
    private var clientSupportsBlocked = false
    /// Only connections that have published are held back by a resource alarm.
    private var publisherGate = PublisherGate()
    /// Whether the client has heard connection.blocked for the current alarm.
    private var blockedNotified = false

    init(
        broker: Broker,
        configuration: AMQPAdapterConfiguration,
        authenticator: any Authenticator,
        connectionID: ConnectionID,
        isLoopback: Bool,
        logger: Logger
    ) {
        self.broker = broker
        self.configuration = configuration
        self.authenticator = authenticator
        self.connectionID = connectionID
        self.isLoopback = isLoopback
        self.logger = logger
        self.stateMachine = AMQPConnectionStateMachine(
            limits: .init(
                channelMax: configuration.channelMax,
                frameMax: configuration.frameMax,
                heartbeatSeconds: configuration.heartbeatSeconds
            ),
            clock: ContinuousClock()
        )
        self.decoder = AMQPFrameDecoder(
            maxFrameSize: min(Int(configuration.frameMax), configuration.maxPreloginFrameBytes))
        self.connectedAt = broker.now
        self.output = AMQPOutput(
            frameMax: Int(configuration.frameMax), deliveryHighWaterMark: configuration.outputLowWaterBytes)
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.isWritable = context.channel.isWritable
        self.announced = context.channel.isActive
        self.output.sink.attach(context)
        self.output.sink.onDrained = { [self] in
            for session in self.sessions.values { session.resumeDeliveries() }
        }
        self.logger[metadataKey: "connection"] = "\(self.connectionID.rawValue)"
        if let peer = context.channel.remoteAddress {
            self.peer = peer.peerDescription
            self.logger[metadataKey: "peer"] = "\(self.peer)"
        }
        self.broker.connectionOpened(self)
        // Timers capture the handler strongly and are cancelled in channelInactive: a weak capture would give the
        // handler a side table, and every retain and release of it on the hot path would take the slow path.
        self.handshakeTimeout = context.eventLoop.assumeIsolated().scheduleTask(
            in: TimeAmount(self.configuration.handshakeTimeout)
        ) {
            [self] in
            guard self.context != nil else { return }
            self.run(self.stateMachine.handshakeTimerFired())
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.isWritable = false
        self.output.sink.detach()
    }

    func channelActive(context: ChannelHandlerContext) {
        self.isWritable = context.channel.isWritable
        self.announced = true
        self.logger.info("AMQP connection opened")
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isWritable = false
        self.heartbeatTask?.cancel()
        self.handshakeTimeout?.cancel()
        self.closeTimeout?.cancel()
        for session in self.sessions.values {
            session.tearDown()
        }
        self.sessions.removeAll()
        self.lastSession = nil
        self.broker.connectionClosed(self.connectionID)
        self.logger.log(
            level: self.announced ? .info : .debug,
            "AMQP connection closed",
            metadata: ["reason": "\(self.closeReason)"]
        )
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.stateMachine.inputReceived()
        self.inbound.append(Self.unwrapInboundIn(data))
        self.processInbound()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Under `fsync: always` what this burst stored reaches the disk before its confirms go out.
        self.broker.durability.readBurstEnded()
        for session in self.sessions.values {
            session.readBurstEnded()
        }
        self.flushOutput()
        self.inbound.readBurstEnded()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.isWritable = context.channel.isWritable
        if self.isWritable {
            for session in self.sessions.values {
                session.resumeDeliveries()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is BrokerShutdownEvent {
            self.run(self.stateMachine.shutdownRequested())
            self.flushOutput()
            return
        }
        if let flow = event as? ResourceAlarmEvent {
            self.flowControlChanged(flow, context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.closeReason = "\(error)"
        context.close(promise: nil)
    }

    private var isWritable: Bool {
        get { self.output.isWritable }
        set { self.output.isWritable = newValue }
    }

    // MARK: - Input

    private func processInbound() {
        guard var buffer = self.inbound.bytes else { return }
        defer { self.inbound.bytes = buffer }
        if self.awaitingProtocolHeader {
            do {
                guard let valid = try AMQPProtocolHeader.decode(&buffer) else { return }
                self.awaitingProtocolHeader = false
                self.run(self.stateMachine.protocolHeaderReceived(valid: valid))
            } catch {
                self.awaitingProtocolHeader = false
                buffer.moveReaderIndex(to: buffer.writerIndex)
                self.run(self.stateMachine.protocolHeaderReceived(valid: false))
                return
            }
        }
        while self.context != nil {
            let frame: AMQPFrame?
            do {
                frame = try self.decoder.decode(buffer: &buffer)
            } catch {
                buffer.moveReaderIndex(to: buffer.writerIndex)
                if !self.inputDiscarded {
                    self.inputDiscarded = true
                    self.run(self.stateMachine.fail(AMQPError(error)))
                }
                return
            }
            guard let frame else { return }
            let action = self.stateMachine.frameReceived(frame)
            if case .forwardToChannel = action {
                self.forward(frame)
            } else {
                self.run(action)
            }
        }
    }

    // MARK: - Actions

    func run(_ action: AMQPConnectionAction) {
        switch action {
        case .none:
            break
        case .sendStart:
            self.certificateName = self.context.flatMap { PeerIdentity.verifiedName(in: $0.pipeline) }
            self.output.method(
                0,
                .connectionStart(
                    AMQPConnectionStart(
                        versionMajor: 0,
                        versionMinor: 9,
                        serverProperties: AMQPServerProperties.table(version: self.configuration.productVersion),
                        mechanisms: self.certificateName == nil ? AMQPSASL.mechanisms : AMQPSASL.mechanismsWithExternal,
                        locales: "en_US"
                    )
                )
            )
            self.scheduleFlush()
        case .rejectProtocolHeader:
            var header = ByteBuffer(bytes: AMQPProtocolHeader.bytes)
            self.closeReason = "unsupported protocol header"
            self.context?.writeAndFlush(Self.wrapOutboundOut(header), promise: nil)
            header.clear()
            self.context?.close(promise: nil)
        case .authenticate(let username, let password, let clientProperties):
            self.setClientCapabilities(clientProperties)
            if let user = self.authenticator.authenticate(
                username: username,
                password: password,
                isLoopback: self.isLoopback
            ) {
                self.user = user
                self.logger[metadataKey: "user"] = "\(user.name)"
                if let channel = self.context?.channel { self.broker.acceptLogin(on: channel) }
                self.run(self.stateMachine.authenticationSucceeded())
            } else if let channel = self.context?.channel {
                self.logger.notice("AMQP login refused", metadata: ["user": "\(username)"])
                self.broker.refuseLogin(on: channel) { [self] in
                    self.run(self.stateMachine.authenticationFailed(username: username))
                }
            }
        case .authenticateByCertificate(let clientProperties):
            self.setClientCapabilities(clientProperties)
            if let name = self.certificateName,
                let user = self.authenticator.authenticate(certificateName: name, isLoopback: self.isLoopback)
            {
                self.user = user
                self.logger[metadataKey: "user"] = "\(user.name)"
                self.run(self.stateMachine.authenticationSucceeded())
            } else {
                // No verified certificate, or it names no user (RabbitMQ refuses both the same way).
                let name = self.certificateName ?? ""
                self.logger.notice("AMQP login refused", metadata: ["user": "\(name)", "mechanism": "EXTERNAL"])
                self.run(self.stateMachine.authenticationFailed(username: name, mechanism: AMQPSASL.external))
            }
        case .checkSecret(let secret):
            let accepted =
                self.user.flatMap { user in
                    self.authenticator.authenticate(
                        username: user.name, password: String(decoding: secret, as: UTF8.self),
                        isLoopback: self.isLoopback)
                } != nil
            if !accepted { self.logger.notice("AMQP update-secret refused") }
            self.run(self.stateMachine.secretChecked(accepted: accepted))
        case .sendUpdateSecretOk:
            self.output.method(0, .connectionUpdateSecretOk)
            self.scheduleFlush()
        case .sendTune(let channelMax, let frameMax, let heartbeat):
            self.output.method(
                0,
                .connectionTune(AMQPConnectionTune(channelMax: channelMax, frameMax: frameMax, heartbeat: heartbeat))
            )
            self.scheduleFlush()
        case .applyTuning(let tuning):
            self.output.frameMax = Int(tuning.frameMax)
            self.decoder.maxFrameSize = Int(tuning.frameMax)
            self.startHeartbeats(seconds: tuning.heartbeatSeconds)
            self.logger.debug(
                "AMQP connection tuned",
                metadata: [
                    "channel_max": "\(tuning.channelMax)", "frame_max": "\(tuning.frameMax)",
                    "heartbeat": "\(tuning.heartbeatSeconds)",
                ])
        case .openVirtualHost(let name):
            self.openVirtualHost(name)
        case .sendOpenOk:
            self.handshakeTimeout?.cancel()
            self.output.method(0, .connectionOpenOk)
            self.scheduleFlush()
        case .forwardToChannel:
            // Handled where the frame is decoded (`processInbound`), which still holds it.
            break
        case .sendHeartbeat:
            self.output.sink.buffer.writeAMQPHeartbeatFrame()
            self.scheduleFlush()
        case .sendClose(let error):
            self.closeReason = error.text
            self.tearDownSessions()
            self.output.method(
                0,
                .connectionClose(
                    AMQPConnectionClose(
                        replyCode: error.code.rawValue,
                        replyText: error.text,
                        classID: error.classID,
                        methodID: error.methodID
                    )
                )
            )
            self.scheduleFlush()
            if let eventLoop = self.context?.eventLoop {
                self.closeTimeout = eventLoop.assumeIsolated().scheduleTask(
                    in: TimeAmount(self.configuration.closeTimeout)
                ) {
                    [self] in
                    guard self.context != nil else { return }
                    self.run(self.stateMachine.closeTimerFired())
                }
            }
        case .sendCloseOkAndClose:
            self.closeReason = "client closed the connection"
            self.tearDownSessions()
            self.output.method(0, .connectionCloseOk)
            self.flushOutput()
            self.context?.close(promise: nil)
        case .closeSocket(let reason):
            if self.closeReason == "client closed the socket" || reason != "close-ok received" {
                self.closeReason = reason
            }
            self.flushOutput()
            self.context?.close(promise: nil)
        }
    }

    private func openVirtualHost(_ name: String) {
        // Clients often send "" or "/" for the default; RabbitMQ treats "" as "/".
        let vhostName = name.isEmpty ? "/" : name
        guard let user = self.user, let vhost = self.broker.virtualHost(vhostName) else {
            self.run(self.stateMachine.virtualHostRefused(AMQPError(.notAllowed, "vhost '\(vhostName)' not found")))
            return
        }
        let access: AccessContext
        do {
            // A user without permissions in the vhost may not open it (530, as RabbitMQ).
            access = try self.broker.accessContext(user: user.name, virtualHost: vhostName)
        } catch {
            self.run(self.stateMachine.virtualHostRefused(AMQPError(.notAllowed, error.detail)))
            return
        }
        if let refusal = self.broker.connectionLimitRefusal(self.connectionID, user: user.name, virtualHost: vhostName)
        {
            self.logger.notice("AMQP connection refused", metadata: ["reason": "\(refusal)"])
            let text = "access to vhost '\(vhostName)' refused for user '\(user.name)': \(refusal)"
            self.run(self.stateMachine.virtualHostRefused(AMQPError(.notAllowed, text)))
            return
        }
        self.virtualHost = vhost
        self.access = access
        self.logger[metadataKey: "vhost"] = "\(vhostName)"
        self.run(self.stateMachine.virtualHostOpened())
    }

    private func forward(_ frame: AMQPFrame) {
        let id = frame.channelID.rawValue
        // A publisher or consumer talks on one channel: the last session is looked up without hashing, and the
        // virtual host and user are only touched when a channel is new.
        let session: AMQPChannelSession
        if let last = self.lastSession, last.channelID.rawValue == id {
            session = last
        } else if let existing = self.sessions[id] {
            session = existing
        } else {
            guard let vhost = self.virtualHost, let user = self.user, let access = self.access else { return }
            session = AMQPChannelSession(
                channelID: frame.channelID, connection: self, virtualHost: vhost, user: user, access: access.sibling())
            self.sessions[id] = session
        }
        session.frameReceived(frame)
        if session.isReleased {
            self.sessions[id] = nil
            self.lastSession = nil
        } else {
            self.lastSession = session
        }
    }

    private func tearDownSessions() {
        for session in self.sessions.values {
            session.tearDown()
        }
        self.sessions.removeAll()
        self.lastSession = nil
    }

    private func startHeartbeats(seconds: UInt16) {
        guard seconds > 0 else { return }
        self.scheduleHeartbeat(period: .milliseconds(max(500, Int64(seconds) * 1000 / 2)))
    }

    /// Half the interval, so a heartbeat goes out in time and a silent peer is noticed within two intervals.
    private func scheduleHeartbeat(period: TimeAmount) {
        guard let eventLoop = self.context?.eventLoop else { return }
        self.heartbeatTask = eventLoop.assumeIsolated().scheduleTask(in: period) { [self] in
            guard self.context != nil else { return }
            self.run(self.stateMachine.heartbeatTimerFired())
            self.flushOutput()
            if self.stateMachine.isOpen {
                self.scheduleHeartbeat(period: period)
            }
        }
    }

    // MARK: - Called by channel sessions

    /// A hard error found by a channel: the connection closes (spec 1.9 hard errors).
    func fail(_ error: AMQPError) {
        self.run(self.stateMachine.fail(error))
    }

    /// Output was written outside a read burst (a delivery caused by another connection's publish):
    /// flush once when the event loop gets to it, so a burst of deliveries costs one syscall.
    func scheduleFlush() {
        self.output.sink.scheduleFlush()
    }

    func flushOutput() {
        if self.output.sink.flush() {
            self.stateMachine.outputSent()
        }
    }

    /// A publish arrived: under an active alarm this connection stops being read from, and a client
    /// that has not heard of the alarm yet (it connected during it) is told now, as RabbitMQ does.
    func publishReceived() {
        guard !self.publisherGate.hasPublished else { return }
        guard let channel = self.context?.channel else { return }
        let change = self.publisherGate.publishReceived()
        if change == .pauseReading, let reason = self.publisherGate.alarmReason {
            self.notifyBlocked(reason)
        }
        change.apply(to: channel)
    }

    private func flowControlChanged(_ event: ResourceAlarmEvent, context: ChannelHandlerContext) {
        switch event {
        case .raised(let reason):
            guard self.publisherGate.alarmReason == nil else { return }
            if self.stateMachine.isOpen {
                self.notifyBlocked(reason)
            }
            self.publisherGate.alarmRaised(reason: reason).apply(to: context.channel)
        case .cleared:
            guard self.publisherGate.alarmReason != nil else { return }
            if self.blockedNotified && self.stateMachine.isOpen {
                self.output.method(0, .connectionUnblocked)
                self.flushOutput()
            }
            self.blockedNotified = false
            self.publisherGate.alarmCleared().apply(to: context.channel)
        }
    }

    private func notifyBlocked(_ reason: String) {
        guard self.clientSupportsBlocked, !self.blockedNotified else { return }
        self.blockedNotified = true
        self.output.method(0, .connectionBlocked(AMQPConnectionBlocked(reason: reason)))
        self.flushOutput()
    }

    private func setClientCapabilities(_ properties: FieldTable) {
        for (key, value) in properties {
            if let text = value.stringValue { self.clientProperties[key] = text }
        }
        if case .table(let capabilities)? = properties["capabilities"],
            case .boolean(true)? = capabilities["consumer_cancel_notify"]
        {
            self.clientSupportsCancelNotify = true
        }
        if case .table(let capabilities)? = properties["capabilities"],
            case .boolean(true)? = capabilities["connection.blocked"]
        {
            self.clientSupportsBlocked = true
        }
    }
}

extension AMQPConnectionHandler: ClientConnection {
    var summary: ConnectionSummary {
        ConnectionSummary(
            id: self.connectionID,
            protocolName: "AMQP 0-9-1",
            peer: self.peer,
            user: self.user?.name,
            virtualHost: self.virtualHost?.name,
            channelCount: self.sessions.count,
            connectedAtMilliseconds: self.connectedAt,
            clientProperties: self.clientProperties
        )
    }

    func closeByOperator(reason: String) {
        self.run(self.stateMachine.fail(AMQPError(.connectionForced, reason)))
        self.flushOutput()
    }
}

@available(*, unavailable)
extension AMQPConnectionHandler: Sendable {}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
