public import JunctionMQTTCodec

/// One client connection without I/O: packets, engine callbacks and timer ticks in, actions out.
/// Owns the protocol rules: CONNECT first and once, keep-alive at 1.5 times, QoS 2 exactly-once
/// on the way in, packet identifiers and in-flight windows on the way out, topic aliases. Each
/// state carries what it needs: what CONNECT negotiated exists from `connecting` on and stays
/// readable once `closed` (the last packets are encoded for the client's version).
public struct MQTTSessionStateMachine<C: Clock, Token> where C.Duration == Duration {
    enum State {
        case awaitingConnect
        /// CONNECT passed the protocol rules; the handler authenticates and attaches the session.
        case connecting(Negotiated)
        case connected(Negotiated)
        case closed(Negotiated)
    }

    /// What a CONNECT settled for the life of the connection (compact: an idle connection keeps it).
    struct Negotiated {
        var version: MQTTProtocolVersion
        /// Seconds; 0: no keep-alive.
        var keepAliveSeconds: UInt16 = 0
        /// Set when the server overrides the client's keep-alive (sent in CONNACK).
        var serverKeepAlive: UInt16?
        /// Receive Maximum of the client: outbound QoS 1/2 deliveries in flight at once.
        var clientReceiveMaximum: UInt16 = UInt16.max
        var clientMaximumPacketSize: UInt32 = UInt32.max
        var clientTopicAliasMaximum: UInt16 = 0
        /// The Session Expiry Interval property of CONNECT (MQTT 5), for the DISCONNECT rule.
        var requestedSessionExpiry: UInt32 = 0
        /// The session's expiry interval granted at CONNECT (capped by the limit).
        var sessionExpiry: UInt32 = 0
    }

    /// The server's limits announced in CONNACK (MQTT 5).
    public struct Limits: Sendable {
        public var topicAliasMaximum: UInt16
        public var maximumPacketSize: Int
        /// Longest keep-alive (seconds): a longer one, or none (0), is replaced by this value for
        /// an MQTT 5 client (announced as Server Keep Alive) and refused for a 3.1.1 client, which
        /// cannot be told (CONNACK 0x02, as Mosquitto's `max_keepalive`). Nil: the client's stands.
        public var keepAliveMaximum: UInt16?
        /// Upper bound on a session's expiry interval (seconds), for MQTT 5 and for 3.1.1 clean
        /// session 0 alike; `UInt32.max` lets a session live forever.
        public var maximumSessionExpiry: UInt32
        /// Receive Maximum announced to MQTT 5 clients: QoS 1/2 PUBLISHes a client may have
        /// unacknowledged at once (PUBACK or PUBCOMP not yet sent); one more is a 0x93 DISCONNECT.
        public var receiveMaximum: UInt16
        public init(
            topicAliasMaximum: UInt16 = 64,
            maximumPacketSize: Int = 1_048_576,
            keepAliveMaximum: UInt16? = nil,
            maximumSessionExpiry: UInt32 = UInt32.max,
            receiveMaximum: UInt16 = UInt16.max
        ) {
            self.topicAliasMaximum = topicAliasMaximum
            self.maximumPacketSize = maximumPacketSize
            self.keepAliveMaximum = keepAliveMaximum
            self.maximumSessionExpiry = maximumSessionExpiry
            self.receiveMaximum = receiveMaximum
        }
    }

    private(set) var state: State = .awaitingConnect
    public let limits: Limits
    let clock: C
    public internal(set) var lastPacketAt: C.Instant

    /// QoS 2 packet ids received and not yet released by PUBREL (survives reconnects of a session).
    public internal(set) var inboundAwaitingRelease: Set<UInt16> = [] {
        didSet { self.exactlyOnceRevision &+= 1 }
    }
    var inboundAliases: [UInt16: String] = [:]
    var outboundAliases: [String: UInt16] = [:]

    /// Outbound: packet id → delivery waiting for PUBACK/PUBREC; ids waiting for PUBCOMP.
    var inflight: [UInt16: (token: Token, qos: MQTTQoS)] = [:]
    public internal(set) var awaitingCompletion: Set<UInt16> = [] {
        didSet { self.exactlyOnceRevision &+= 1 }
    }
    /// Moves on whenever `inboundAwaitingRelease` or `awaitingCompletion` is written, so the
    /// handler can store a persistent session's ids once per read burst, only when they changed.
    public private(set) var exactlyOnceRevision: UInt64 = 0
    var nextPacketID: UInt16 = 1
    /// Acknowledgements of inbound PUBLISHes waiting for the disk.
    var heldAcknowledgements = MQTTHeldAcknowledgements()

    public init(clock: C, limits: Limits = Limits()) {
        self.clock = clock
        self.limits = limits
        self.lastPacketAt = clock.now
    }

    // MARK: - What the state says

    /// What CONNECT negotiated (defaults before it: MQTT 3.1.1, no limits from the client).
    var negotiated: Negotiated {
        switch self.state {
        case .awaitingConnect: return Negotiated(version: .v311)
        case .connecting(let negotiated), .connected(let negotiated), .closed(let negotiated): return negotiated
        }
    }

    public var version: MQTTProtocolVersion { self.negotiated.version }
    public var keepAlive: Duration { .seconds(Int(self.negotiated.keepAliveSeconds)) }
    public var clientReceiveMaximum: Int { Int(self.negotiated.clientReceiveMaximum) }
    public var clientMaximumPacketSize: Int { Int(self.negotiated.clientMaximumPacketSize) }
    public var clientTopicAliasMaximum: UInt16 { self.negotiated.clientTopicAliasMaximum }
    /// The session's expiry interval granted at CONNECT (seconds, capped by the limit): 0 ends the
    /// session with the connection; `UInt32.max` never expires.
    public var sessionExpiry: UInt32 { self.negotiated.sessionExpiry }

    public var isConnected: Bool {
        if case .connected = self.state { return true }
        return false
    }

    var isAwaitingConnect: Bool {
        if case .awaitingConnect = self.state { return true }
        return false
    }

    public var inflightCount: Int { self.inflight.count + self.awaitingCompletion.count }

    /// Ends the connection in the state machine; what was negotiated stays readable.
    mutating func close() {
        self.state = .closed(self.negotiated)
    }

    // MARK: - Inbound packets

    public mutating func packetReceived(_ packet: MQTTPacket) -> MQTTSessionAction<Token> {
        self.lastPacketAt = self.clock.now
        switch self.state {
        case .closed:
            return .none
        case .awaitingConnect:
            guard case .connect(let connect) = packet else {
                // [MQTT-3.1.0-1] the first packet must be CONNECT: close without a CONNACK.
                self.close()
                return .close(.protocolError, sendDisconnect: false)
            }
            return self.connectReceived(connect)
        case .connecting:
            // Nothing may arrive before CONNACK is decided; the handler decides synchronously.
            return self.protocolViolation(.protocolError)
        case .connected:
            return self.connectedPacketReceived(packet)
        }
    }

    private mutating func connectReceived(_ connect: MQTTConnect) -> MQTTSessionAction<Token> {
        var negotiated = Negotiated(version: connect.protocolVersion, keepAliveSeconds: connect.keepAlive)
        if let maximum = self.limits.keepAliveMaximum, connect.keepAlive == 0 || connect.keepAlive > maximum {
            guard connect.protocolVersion == .v5 else {
                // 3.1.1 has no way to tell the client; Mosquitto refuses with "identifier rejected".
                self.state = .closed(negotiated)
                return .refuseConnect(MQTTConnAck(sessionPresent: false, reasonCode: .clientIdentifierNotValid))
            }
            // [MQTT-3.2.2-21] the client uses the Server Keep Alive instead of its own.
            negotiated.serverKeepAlive = maximum
            negotiated.keepAliveSeconds = maximum
        }
        if let maximum = connect.properties.receiveMaximum { negotiated.clientReceiveMaximum = maximum }
        if let maximum = connect.properties.maximumPacketSize { negotiated.clientMaximumPacketSize = maximum }
        negotiated.clientTopicAliasMaximum = connect.properties.topicAliasMaximum ?? 0
        negotiated.requestedSessionExpiry = connect.properties.sessionExpiryInterval ?? 0
        negotiated.sessionExpiry = MQTTConnectRules.sessionExpiry(
            of: connect, maximum: self.limits.maximumSessionExpiry)
        self.state = .connecting(negotiated)
        return .connect(connect)
    }

    private mutating func connectedPacketReceived(_ packet: MQTTPacket) -> MQTTSessionAction<Token> {
        switch packet {
        case .connect:
            // [MQTT-3.1.0-2] a second CONNECT is a protocol violation.
            return self.protocolViolation(.protocolError)
        case .publish(let publish):
            return self.publishReceived(publish)
        case .pubRel(let release):
            return self.releaseReceived(release)
        case .pubAck(let ack):
            return self.publishAcknowledged(ack)
        case .pubRec(let received):
            return self.publishReceivedByClient(received)
        case .pubComp(let complete):
            if self.awaitingCompletion.contains(complete.packetID.rawValue) {
                self.awaitingCompletion.remove(complete.packetID.rawValue)
            }
            return .none
        case .subscribe(let subscribe):
            return .subscribe(subscribe)
        case .unsubscribe(let unsubscribe):
            return .unsubscribe(unsubscribe)
        case .pingReq:
            return .send(.pingResp)
        case .disconnect(let disconnect):
            let expiry = disconnect.properties.sessionExpiryInterval
            // A session that ends at close cannot be extended at DISCONNECT [MQTT-3.14.2-2].
            if self.negotiated.requestedSessionExpiry == 0, let expiry, expiry != 0 {
                return self.protocolViolation(.protocolError)
            }
            self.close()
            return .disconnected(
                publishWill: disconnect.reasonCode == .disconnectWithWillMessage,
                sessionExpiry: expiry.map { min($0, self.limits.maximumSessionExpiry) })
        case .auth:
            // Enhanced authentication is not offered; AUTH is a protocol error [MQTT-4.12.0-1].
            return self.protocolViolation(.protocolError)
        case .connAck, .subAck, .unsubAck, .pingResp:
            // Server-to-client packets from a client.
            return self.protocolViolation(.protocolError)
        }
    }

    // MARK: - Connect outcome

    /// Restores a persistent session's exactly-once state and completes the handshake.
    public mutating func connectAccepted(
        sessionPresent: Bool,
        inboundAwaitingRelease: Set<UInt16>,
        awaitingCompletion: Set<UInt16>,
        properties: MQTTProperties
    ) -> MQTTSessionAction<Token> {
        guard case .connecting(let negotiated) = self.state else { return .none }
        self.state = .connected(negotiated)
        self.inboundAwaitingRelease = inboundAwaitingRelease
        self.awaitingCompletion = awaitingCompletion
        var properties = properties
        if let serverKeepAlive = negotiated.serverKeepAlive { properties.serverKeepAlive = serverKeepAlive }
        if negotiated.version == .v5, self.limits.receiveMaximum != UInt16.max {
            properties.receiveMaximum = self.limits.receiveMaximum
        }
        return .send(
            .connAck(MQTTConnAck(sessionPresent: sessionPresent, reasonCode: .success, properties: properties)))
    }

    public mutating func connectRefused(_ reason: MQTTReasonCode) -> MQTTSessionAction<Token> {
        self.close()
        return .send(.connAck(MQTTConnAck(sessionPresent: false, reasonCode: reason)))
    }

    /// The CONNECT names a protocol level this server does not speak: CONNACK 0x01 in the 3.1.1
    /// format (the client's own format is unknown), then close [MQTT-3.1.2-2]. Once connected,
    /// such a packet is malformed like any other.
    public mutating func unsupportedProtocolVersion() -> MQTTSessionAction<Token> {
        guard self.isAwaitingConnect else { return self.protocolViolation(.unsupportedProtocolVersion) }
        self.state = .closed(Negotiated(version: .v311))
        return .refuseConnect(MQTTConnAck(sessionPresent: false, reasonCode: .unsupportedProtocolVersion))
    }

    // MARK: - Session store failures

    /// The session store could not keep the session at CONNECT: refused (5.0: 0x80; 3.1.1:
    /// return code 3, server unavailable), since a CONNACK would claim a session it may lose.
    public mutating func sessionStoreFailedAtConnect() -> MQTTSessionAction<Token> {
        guard case .connecting = self.state else { return .none }
        self.close()
        let reason: MQTTReasonCode = self.version == .v5 ? .unspecifiedError : .serverUnavailable
        return .refuseConnect(MQTTConnAck(sessionPresent: false, reasonCode: reason))
    }

    /// The store did not take a SUBSCRIBE's filters: every one is refused (0x80, both versions).
    public func subscribeStoreFailed(_ subscribe: MQTTSubscribe) -> MQTTSessionAction<Token> {
        let codes = [MQTTReasonCode](repeating: .unspecifiedError, count: subscribe.subscriptions.count)
        return .send(.subAck(MQTTSubAck(packetID: subscribe.packetID, reasonCodes: codes)))
    }

    /// The store did not take an UNSUBSCRIBE: 5.0 refuses each filter (0x80); a 3.1.1 UNSUBACK
    /// cannot refuse, so the connection closes.
    public mutating func unsubscribeStoreFailed(_ unsubscribe: MQTTUnsubscribe) -> MQTTSessionAction<Token> {
        guard self.version == .v5 else { return self.protocolViolation(.unspecifiedError) }
        let codes = [MQTTReasonCode](repeating: .unspecifiedError, count: unsubscribe.filters.count)
        return .send(.unsubAck(MQTTSubAck(packetID: unsubscribe.packetID, reasonCodes: codes)))
    }

    /// The store did not take the QoS 2 packet ids of a read burst: the connection closes (5.0:
    /// DISCONNECT 0x80) without the burst's PUBREC/PUBCOMP; the client sends again on reconnect.
    public mutating func sessionStoreFailed() -> MQTTSessionAction<Token> {
        self.protocolViolation(.unspecifiedError)
    }

    // MARK: - Timers and shutdown

    /// The connection's deadline came. Before CONNECT it is the connect timeout, counted from when
    /// the connection opened (`mqtt.connect_timeout_seconds`); once connected, keep-alive; while
    /// CONNECT is being decided, or once closed, there is none. Returns the action and the delay
    /// until the next check (nil: no more checks).
    public mutating func deadlineReached(
        connectTimeout: Duration
    ) -> (
        action: MQTTSessionAction<Token>, next: Duration?
    ) {
        switch self.state {
        case .awaitingConnect:
            let elapsed = self.lastPacketAt.duration(to: self.clock.now)
            guard elapsed >= connectTimeout else { return (.none, connectTimeout - elapsed) }
            return (self.closeRequested(.maximumConnectTime), nil)
        case .connected:
            return self.keepAliveTimerFired()
        case .connecting, .closed:
            return (.none, nil)
        }
    }

    /// Fires periodically; closes when nothing arrived for 1.5 × keep-alive [MQTT-3.1.2-24].
    /// Returns the action and the delay until the next check.
    public mutating func keepAliveTimerFired() -> (action: MQTTSessionAction<Token>, next: Duration?) {
        guard case .connected(let negotiated) = self.state, negotiated.keepAliveSeconds > 0 else { return (.none, nil) }
        let limit = self.keepAlive * 3 / 2
        let elapsed = self.lastPacketAt.duration(to: self.clock.now)
        if elapsed >= limit {
            self.close()
            return (.close(.keepAliveTimeout, sendDisconnect: negotiated.version == .v5), nil)
        }
        return (.none, limit - elapsed)
    }

    /// Reading resumed after a pause (resource alarm): the silence was ours, not the client's.
    public mutating func inputResumed() {
        self.lastPacketAt = self.clock.now
    }

    /// The keep-alive check interval after CONNACK.
    public var keepAliveDeadline: Duration? {
        self.negotiated.keepAliveSeconds > 0 ? self.keepAlive * 3 / 2 : nil
    }

    /// Another connection took this client id (0x8E), or the broker stops (0x8B).
    public mutating func closeRequested(_ reason: MQTTReasonCode) -> MQTTSessionAction<Token> {
        let wasConnected = self.isConnected
        guard wasConnected || self.isAwaitingConnect else { return .none }
        self.close()
        return .close(reason, sendDisconnect: wasConnected && self.version == .v5)
    }

    /// A decoding error: MQTT 5 clients get a DISCONNECT with the reason once connected.
    public mutating func decodingFailed(_ reason: MQTTReasonCode) -> MQTTSessionAction<Token> {
        self.protocolViolation(reason)
    }

    /// A packet larger than the pre-login limit arrived before CONNECT was accepted. An MQTT 5 client
    /// hears CONNACK 0x95 Packet too large [MQTT-3.2.2.2]; MQTT 3.1.1 has no code for it and, as for any
    /// malformed CONNECT, the socket closes [MQTT-3.1.4-1]. `version` is the CONNECT's protocol level,
    /// when its first bytes were readable.
    public mutating func packetTooLargeBeforeConnect(version: MQTTProtocolVersion?) -> MQTTSessionAction<Token> {
        guard self.isAwaitingConnect else { return self.protocolViolation(.packetTooLarge) }
        guard version == .v5 else {
            self.close()
            return .close(.packetTooLarge, sendDisconnect: false)
        }
        self.state = .closed(Negotiated(version: .v5))
        return .refuseConnect(MQTTConnAck(sessionPresent: false, reasonCode: .packetTooLarge))
    }

    mutating func protocolViolation(_ reason: MQTTReasonCode) -> MQTTSessionAction<Token> {
        let wasConnected = self.isConnected
        if case .closed = self.state { return .none }
        self.close()
        return .close(reason, sendDisconnect: wasConnected && self.version == .v5)
    }
}
