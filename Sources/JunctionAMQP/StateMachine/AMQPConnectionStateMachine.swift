import JunctionAMQPCodec
import JunctionCore
import NIOCore

/// The AMQP 0-9-1 connection (channel 0) without I/O: handshake, tuning, heartbeats and the close
/// handshake. Frames and timer ticks in, actions out. Channel frames pass through only while open.
struct AMQPConnectionStateMachine<C: Clock> where C.Duration == Duration {
    struct Limits: Equatable {
        var channelMax: UInt16
        var frameMax: UInt32
        var heartbeatSeconds: UInt16
    }

    private enum State {
        case awaitingProtocolHeader
        case awaitingStartOk
        case authenticating
        case awaitingTuneOk
        case awaitingOpen(AMQPTuning)
        case authenticatingVirtualHost(AMQPTuning)
        case open(AMQPTuning)
        /// We sent connection.close and wait for close-ok; everything else is discarded (spec 2.2.4).
        case closing
        case closed
    }

    private var state: State = .awaitingProtocolHeader
    private let limits: Limits
    private let clock: C
    private var lastReceivedAt: C.Instant
    private var lastSentAt: C.Instant

    init(limits: Limits, clock: C) {
        self.limits = limits
        self.clock = clock
        self.lastReceivedAt = clock.now
        self.lastSentAt = clock.now
    }

    var isOpen: Bool {
        if case .open = self.state { return true }
        return false
    }

    var tuning: AMQPTuning? {
        switch self.state {
        case .open(let tuning), .awaitingOpen(let tuning), .authenticatingVirtualHost(let tuning): tuning
        case .awaitingProtocolHeader, .awaitingStartOk, .authenticating, .awaitingTuneOk, .closing, .closed: nil
        }
    }

    // MARK: - Events

    mutating func protocolHeaderReceived(valid: Bool) -> AMQPConnectionAction {
        guard case .awaitingProtocolHeader = self.state else { return .none }
        guard valid else {
            self.state = .closed
            return .rejectProtocolHeader
        }
        self.state = .awaitingStartOk
        return .sendStart
    }

    mutating func frameReceived(_ frame: AMQPFrame) -> AMQPConnectionAction {
        switch self.state {
        case .awaitingProtocolHeader, .closed:
            return .none
        case .closing:
            if case .method(let channel, let method) = frame, channel.rawValue == 0 {
                switch method {
                case .connectionCloseOk:
                    self.state = .closed
                    return .closeSocket(reason: "close-ok received")
                case .connectionClose:
                    // Both sides closed at once: answer and finish.
                    self.state = .closed
                    return .sendCloseOkAndClose
                default:
                    return .none
                }
            }
            return .none
        case .awaitingStartOk, .authenticating, .awaitingTuneOk, .awaitingOpen, .authenticatingVirtualHost:
            return self.handshakeFrameReceived(frame)
        case .open(let tuning):
            return self.openFrameReceived(frame, tuning: tuning)
        }
    }

    private mutating func handshakeFrameReceived(_ frame: AMQPFrame) -> AMQPConnectionAction {
        guard case .method(let channel, let method) = frame, channel.rawValue == 0 else {
            if case .heartbeat = frame { return .none }
            return self.fail(AMQPError(.unexpectedFrame, "frame before the connection is open"))
        }
        switch (self.state, method) {
        case (_, .connectionClose):
            self.state = .closed
            return .sendCloseOkAndClose
        case (.awaitingStartOk, .connectionStartOk(let startOk)) where startOk.mechanism == AMQPSASL.external:
            // The response (an optional authorization identity) is not used: the certificate names the user.
            self.state = .authenticating
            return .authenticateByCertificate(clientProperties: startOk.clientProperties)
        case (.awaitingStartOk, .connectionStartOk(let startOk)):
            guard let credentials = AMQPSASL.credentials(mechanism: startOk.mechanism, response: startOk.response)
            else {
                return self.fail(
                    AMQPError(.accessRefused, "unsupported mechanism or malformed response for \(startOk.mechanism)")
                )
            }
            self.state = .authenticating
            return .authenticate(
                username: credentials.username,
                password: credentials.password,
                clientProperties: startOk.clientProperties
            )
        case (.awaitingTuneOk, .connectionTuneOk(let tuneOk)):
            return self.tuneOkReceived(tuneOk)
        case (.awaitingOpen(let tuning), .connectionOpen(let open)):
            self.state = .authenticatingVirtualHost(tuning)
            return .openVirtualHost(open.virtualHost)
        default:
            return self.fail(
                AMQPError(
                    .commandInvalid,
                    "unexpected \(method.classID).\(method.methodID) during the handshake",
                    classID: method.classID,
                    methodID: method.methodID
                )
            )
        }
    }

    private mutating func tuneOkReceived(_ tuneOk: AMQPConnectionTuneOk) -> AMQPConnectionAction {
        // Spec 4.2.5.2: frame-max of 0 means no limit from the client; we keep ours. Below 4096 is illegal.
        var frameMax = tuneOk.frameMax == 0 ? self.limits.frameMax : tuneOk.frameMax
        if frameMax < 4096 {
            return self.fail(AMQPError(.syntaxError, "frame_max=\(frameMax) < 4096", classID: 10, methodID: 31))
        }
        if frameMax > self.limits.frameMax {
            return self.fail(
                AMQPError(
                    .notAllowed,
                    "negotiated frame_max = \(frameMax) is higher than the maximum allowed value (\(self.limits.frameMax))",
                    classID: 10,
                    methodID: 31
                )
            )
        }
        frameMax = min(frameMax, self.limits.frameMax)
        let channelMax =
            tuneOk.channelMax == 0 ? self.limits.channelMax : min(tuneOk.channelMax, self.limits.channelMax)
        let tuning = AMQPTuning(channelMax: channelMax, frameMax: frameMax, heartbeatSeconds: tuneOk.heartbeat)
        self.state = .awaitingOpen(tuning)
        return .applyTuning(tuning)
    }

    private mutating func openFrameReceived(_ frame: AMQPFrame, tuning: AMQPTuning) -> AMQPConnectionAction {
        let channel: AMQPChannelID
        switch frame {
        case .heartbeat(let id):
            guard id.rawValue == 0 else {
                return self.fail(AMQPError(.frameError, "heartbeat frame on channel \(id.rawValue)"))
            }
            return .none
        case .method(let id, let method):
            channel = id
            if id.rawValue == 0 {
                return self.connectionMethodReceived(method)
            }
        case .header(let id, _), .body(let id, _):
            channel = id
            if id.rawValue == 0 {
                return self.fail(AMQPError(.commandInvalid, "content frame on channel 0"))
            }
        }
        if channel.rawValue > tuning.channelMax {
            // RabbitMQ's answer to a channel beyond the negotiated channel_max: connection.close 530.
            return self.fail(
                AMQPError(
                    .notAllowed,
                    "channel id \(channel.rawValue) is above the negotiated channel_max (\(tuning.channelMax))"))
        }
        return .forwardToChannel
    }

    private mutating func connectionMethodReceived(_ method: AMQPMethod) -> AMQPConnectionAction {
        switch method {
        case .connectionClose:
            self.state = .closed
            return .sendCloseOkAndClose
        case .connectionCloseOk:
            self.state = .closed
            return .closeSocket(reason: "unexpected close-ok")
        case .connectionUpdateSecret(let update):
            // RabbitMQ's extension for refreshed tokens: the new secret is checked like a login.
            return .checkSecret(update.newSecret)
        case .connectionBlocked, .connectionUnblocked:
            // Sent by servers; a client sending them is ignored, as RabbitMQ does.
            return .none
        default:
            return self.fail(
                AMQPError(
                    .commandInvalid,
                    "method \(method.classID).\(method.methodID) is not allowed on channel 0",
                    classID: method.classID,
                    methodID: method.methodID
                )
            )
        }
    }

    // MARK: - Results of the handler's look-ups

    mutating func authenticationSucceeded() -> AMQPConnectionAction {
        guard case .authenticating = self.state else { return .none }
        self.state = .awaitingTuneOk
        return .sendTune(
            channelMax: self.limits.channelMax,
            frameMax: self.limits.frameMax,
            heartbeat: self.limits.heartbeatSeconds
        )
    }

    mutating func authenticationFailed(username: String, mechanism: String = "PLAIN") -> AMQPConnectionAction {
        guard case .authenticating = self.state else { return .none }
        // With authentication_failure_close the client expects connection.close 403 (RabbitMQ does the same).
        return self.fail(
            AMQPError(
                .accessRefused,
                "Login was refused using authentication mechanism \(mechanism) for user '\(username)'"
            )
        )
    }

    /// The new secret of connection.update-secret was checked: update-secret-ok and the connection
    /// goes on, or connection.close 530 as RabbitMQ (`rabbit_reader`) answers a refused secret.
    mutating func secretChecked(accepted: Bool) -> AMQPConnectionAction {
        guard case .open = self.state else { return .none }
        guard accepted else {
            return self.fail(
                AMQPError(.notAllowed, "New secret was refused by one of the backends", classID: 10, methodID: 70))
        }
        return .sendUpdateSecretOk
    }

    mutating func virtualHostOpened() -> AMQPConnectionAction {
        guard case .authenticatingVirtualHost(let tuning) = self.state else { return .none }
        self.state = .open(tuning)
        return .sendOpenOk
    }

    mutating func virtualHostRefused(_ error: AMQPError) -> AMQPConnectionAction {
        guard case .authenticatingVirtualHost = self.state else { return .none }
        return self.fail(error)
    }

    // MARK: - Errors, timers, shutdown

    /// A hard error found anywhere on this connection: send connection.close and wait for close-ok.
    mutating func fail(_ error: AMQPError) -> AMQPConnectionAction {
        switch self.state {
        case .awaitingProtocolHeader:
            self.state = .closed
            return .closeSocket(reason: error.text)
        case .closing, .closed:
            return .none
        case .awaitingStartOk, .authenticating, .awaitingTuneOk, .awaitingOpen, .authenticatingVirtualHost, .open:
            self.state = .closing
            return .sendClose(error)
        }
    }

    /// The broker is shutting down (320 CONNECTION_FORCED, as RabbitMQ).
    mutating func shutdownRequested() -> AMQPConnectionAction {
        self.fail(AMQPError(.connectionForced, "broker shutdown"))
    }

    /// Bytes arrived from the peer (called once per read, not per frame: the clock is read once).
    mutating func inputReceived() {
        self.lastReceivedAt = self.clock.now
    }

    /// Bytes went to the peer (called once per flush).
    mutating func outputSent() {
        self.lastSentAt = self.clock.now
    }

    /// Called every half heartbeat interval. Spec 4.2.7: a peer silent for two intervals is dead.
    mutating func heartbeatTimerFired() -> AMQPConnectionAction {
        guard case .open(let tuning) = self.state, tuning.heartbeatSeconds > 0 else { return .none }
        let interval = Duration.seconds(Int64(tuning.heartbeatSeconds))
        let now = self.clock.now
        if self.lastReceivedAt.duration(to: now) > interval * 2 {
            self.state = .closed
            return .closeSocket(reason: "missed heartbeats from client, timeout: \(tuning.heartbeatSeconds)s")
        }
        if self.lastSentAt.duration(to: now) >= interval / 2 {
            self.lastSentAt = now
            return .sendHeartbeat
        }
        return .none
    }

    /// The handshake must finish within the configured time, or the socket is closed.
    mutating func handshakeTimerFired() -> AMQPConnectionAction {
        switch self.state {
        case .awaitingProtocolHeader, .awaitingStartOk, .authenticating, .awaitingTuneOk, .awaitingOpen,
            .authenticatingVirtualHost:
            self.state = .closed
            return .closeSocket(reason: "handshake timeout")
        case .open, .closing, .closed:
            return .none
        }
    }

    mutating func closeTimerFired() -> AMQPConnectionAction {
        guard case .closing = self.state else { return .none }
        self.state = .closed
        return .closeSocket(reason: "no close-ok from client")
    }
}
