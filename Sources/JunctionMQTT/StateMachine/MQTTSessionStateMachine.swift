/// One client connection without I/O: packets, engine callbacks and timer ticks in, actions out.
/// Owns the protocol rules: CONNECT first and once, keep-alive at 1.5 times, QoS 2 exactly-once
/// on the way in, packet identifiers and in-flight windows on the way out, topic aliases.
public struct MQTTSessionStateMachine<C: Clock, Token> where C.Duration == Duration {
    enum State {
        case awaitingConnect
        case connecting(MQTTProtocolVersion)
        case connected
        case closed
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
    private let clock: C

    public private(set) var version: MQTTProtocolVersion = .v311
    public private(set) var keepAlive: Duration = .zero
    public private(set) var lastPacketAt: C.Instant
    /// Receive Maximum of the client: outbound QoS 1/2 deliveries in flight at once.
    public private(set) var clientReceiveMaximum = 65_535
    public private(set) var clientMaximumPacketSize = Int.max
    public private(set) var clientTopicAliasMaximum: UInt16 = 0
    private var connectSessionExpiry: UInt32 = 0
    /// The session's expiry interval granted at CONNECT (seconds, capped by the limit): 0 ends the
    /// session with the connection; `UInt32.max` never expires.
    public private(set) var sessionExpiry: UInt32 = 0
    /// Set when the server overrides the client's keep-alive (sent in CONNACK).
    private var serverKeepAlive: UInt16?

    /// QoS 2 packet ids received and not yet released by PUBREL (survives reconnects of a session).
    public private(set) var inboundAwaitingRelease: Set<UInt16> = [] {
        didSet { self.exactlyOnceRevision &+= 1 }
    }
    private var inboundAliases: [UInt16: String] = [:]
    private var outboundAliases: [String: UInt16] = [:]

    /// Outbound: packet id → delivery waiting for PUBACK/PUBREC; ids waiting for PUBCOMP.
    private var inflight: [UInt16: (token: Token, qos: MQTTQoS)] = [:]
    public private(set) var awaitingCompletion: Set<UInt16> = [] {
        didSet { self.exactlyOnceRevision &+= 1 }
    }
    /// Moves on whenever `inboundAwaitingRelease` or `awaitingCompletion` is written, so the
    /// handler can store a persistent session's ids once per read burst, only when they changed.
    public private(set) var exactlyOnceRevision: UInt64 = 0
    private var nextPacketID: UInt16 = 1
    /// Acknowledgements of inbound PUBLISHes waiting for the disk.
    private var heldAcknowledgements = MQTTHeldAcknowledgements()

    public init(clock: C, limits: Limits = Limits()) {
        self.clock = clock
        self.limits = limits
        self.lastPacketAt = clock.now
    }

    public var isConnected: Bool {
        if case .connected = self.state { return true }
        return false
    }

    public var inflightCount: Int { self.inflight.count + self.awaitingCompletion.count }

    // MARK: - Inbound packets

    public mutating func packetReceived(_ packet: MQTTPacket) -> MQTTSessionAction<Token> {
        self.lastPacketAt = self.clock.now
        switch self.state {
        case .closed:
            return .none
        case .awaitingConnect:
            guard case .connect(let connect) = packet else {
                // [MQTT-3.1.0-1] the first packet must be CONNECT: close without a CONNACK.
                self.state = .closed
                return .close(.protocolError, sendDisconnect: false)
            }
            self.version = connect.protocolVersion
            self.keepAlive = .seconds(Int(connect.keepAlive))
            if let maximum = self.limits.keepAliveMaximum, connect.keepAlive == 0 || connect.keepAlive > maximum {
                guard connect.protocolVersion == .v5 else {
                    // 3.1.1 has no way to tell the client; Mosquitto refuses with "identifier rejected".
                    self.state = .closed
                    return .refuseConnect(MQTTConnAck(sessionPresent: false, reasonCode: .clientIdentifierNotValid))
                }
                // [MQTT-3.2.2-21] the client uses the Server Keep Alive instead of its own.
                self.serverKeepAlive = maximum
                self.keepAlive = .seconds(Int(maximum))
            }
            if let maximum = connect.properties.receiveMaximum { self.clientReceiveMaximum = Int(maximum) }
            if let maximum = connect.properties.maximumPacketSize { self.clientMaximumPacketSize = Int(maximum) }
            self.clientTopicAliasMaximum = connect.properties.topicAliasMaximum ?? 0
            self.connectSessionExpiry = connect.properties.sessionExpiryInterval ?? 0
            self.sessionExpiry = MQTTConnectRules.sessionExpiry(of: connect, maximum: self.limits.maximumSessionExpiry)
            self.state = .connecting(connect.protocolVersion)
            return .connect(connect)
        case .connecting:
            // Nothing may arrive before CONNACK is decided; the handler decides synchronously.
            return self.protocolViolation(.protocolError)
        case .connected:
            return self.connectedPacketReceived(packet)
        }
    }

    private mutating func connectedPacketReceived(_ packet: MQTTPacket) -> MQTTSessionAction<Token> {
        switch packet {
        case .connect:
            // [MQTT-3.1.0-2] a second CONNECT is a protocol violation.
            return self.protocolViolation(.protocolError)
        case .publish(let publish):
            return self.publishReceived(publish)
        case .pubRel(let release):
            if self.inboundAwaitingRelease.contains(release.packetID.rawValue) {
                self.inboundAwaitingRelease.remove(release.packetID.rawValue)
            }
            // PUBCOMP even for an unknown id, so a client retrying after a reconnect finishes [MQTT-4.3.3].
            return .send(.pubComp(MQTTPublishResponse(packetID: release.packetID)))
        case .pubAck(let ack):
            guard let entry = self.inflight[ack.packetID.rawValue], entry.qos == .atLeastOnce else { return .none }
            self.inflight[ack.packetID.rawValue] = nil
            return .settle(entry.token, reply: nil)
        case .pubRec(let received):
            let id = received.packetID.rawValue
            guard let entry = self.inflight[id], entry.qos == .exactlyOnce else {
                if self.awaitingCompletion.contains(id) {
                    return .send(.pubRel(MQTTPublishResponse(packetID: received.packetID)))
                }
                return self.version == .v5
                    ? .send(
                        .pubRel(MQTTPublishResponse(packetID: received.packetID, reasonCode: .packetIdentifierNotFound))
                    )
                    : .none
            }
            self.inflight[id] = nil
            if received.reasonCode.isFailure {
                // The receiver refused it: the exchange ends here [MQTT-4.3.3].
                return .settle(entry.token, reply: nil)
            }
            self.awaitingCompletion.insert(id)
            return .settle(entry.token, reply: .pubRel(MQTTPublishResponse(packetID: received.packetID)))
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
            if self.connectSessionExpiry == 0, let expiry, expiry != 0 {
                return self.protocolViolation(.protocolError)
            }
            self.state = .closed
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

    private mutating func publishReceived(_ publish: MQTTPublish) -> MQTTSessionAction<Token> {
        var topic = publish.topic
        if let alias = publish.properties.topicAlias {
            guard self.version == .v5, alias <= self.limits.topicAliasMaximum else {
                return self.protocolViolation(.topicAliasInvalid)
            }
            if topic.isEmpty {
                guard let known = self.inboundAliases[alias] else { return self.protocolViolation(.protocolError) }
                topic = known
            } else {
                self.inboundAliases[alias] = topic
            }
        }
        guard MQTTTopic.isValidName(topic) else { return self.protocolViolation(.topicNameInvalid) }
        if publish.qos == .exactlyOnce, let id = publish.packetID?.rawValue {
            // A resent PUBLISH with an id not yet released is not delivered again [MQTT-4.3.3-9].
            if self.inboundAwaitingRelease.contains(id) {
                return self.acknowledge(.pubRec(MQTTPublishResponse(packetID: MQTTPacketID(id))), ticket: nil)
            }
        }
        if publish.qos != .atMostOnce, self.version == .v5, self.inboundUnacknowledged >= self.limits.receiveMaximum {
            // One more than the Receive Maximum announced in CONNACK [MQTT-3.3.4-9].
            return self.protocolViolation(.receiveMaximumExceeded)
        }
        return .publish(publish, topic: topic)
    }

    /// The engine routed the PUBLISH; `matched` is false when no subscription received it.
    /// `durabilityTicket` is set when the message went to a durable queue and is not yet on disk:
    /// its PUBACK/PUBREC (and every later one) then waits for `durabilityAdvanced(to:)`.
    public mutating func publishRouted(
        _ publish: MQTTPublish,
        matched: Bool,
        durabilityTicket: UInt64? = nil
    ) -> MQTTSessionAction<Token> {
        guard let id = publish.packetID else { return .none }
        let reason: MQTTReasonCode = matched || self.version != .v5 ? .success : .noMatchingSubscribers
        switch publish.qos {
        case .atMostOnce:
            return .none
        case .atLeastOnce:
            return self.acknowledge(
                .pubAck(MQTTPublishResponse(packetID: id, reasonCode: reason)), ticket: durabilityTicket)
        case .exactlyOnce:
            if !self.inboundAwaitingRelease.contains(id.rawValue) {
                self.inboundAwaitingRelease.insert(id.rawValue)
            }
            return self.acknowledge(
                .pubRec(MQTTPublishResponse(packetID: id, reasonCode: reason)), ticket: durabilityTicket)
        }
    }

    /// Inbound QoS 1/2 PUBLISHes whose PUBACK or PUBCOMP has not been sent: QoS 2 ids not yet
    /// released, and PUBACKs held for the store.
    public var inboundUnacknowledged: Int {
        self.inboundAwaitingRelease.count + self.heldAcknowledgements.heldPublishAcknowledgements
    }

    private mutating func acknowledge(_ packet: MQTTPacket, ticket: UInt64?) -> MQTTSessionAction<Token> {
        self.heldAcknowledgements.hold(packet, ticket: ticket) ? .none : .send(packet)
    }

    /// Whether some acknowledgement waits for the store (the handler stays a durability waiter).
    public var isWaitingForDurability: Bool { !self.heldAcknowledgements.isEmpty }

    /// Every append up to `ticket` is durable: the acknowledgements to send now, in order.
    public mutating func durabilityAdvanced(to ticket: UInt64) -> [MQTTPacket] {
        guard self.isConnected else { return [] }
        return self.heldAcknowledgements.durable(through: ticket)
    }

    /// The store could not make the messages durable. They are not acknowledged; the connection
    /// closes, so the client sends them again on its next connection [MQTT-4.4.0-1].
    public mutating func durabilityFailed() -> MQTTSessionAction<Token> {
        self.heldAcknowledgements.removeAll()
        return self.protocolViolation(.unspecifiedError)
    }

    /// The engine refused the PUBLISH (e.g. access refused): MQTT 5 acknowledges with the reason,
    /// 3.1.1 has no negative acknowledgement and closes.
    public mutating func publishFailed(_ publish: MQTTPublish, reason: MQTTReasonCode) -> MQTTSessionAction<Token> {
        guard self.version == .v5 else { return self.protocolViolation(reason) }
        guard let id = publish.packetID else { return .none }
        switch publish.qos {
        case .atMostOnce: return .none
        case .atLeastOnce:
            return self.acknowledge(.pubAck(MQTTPublishResponse(packetID: id, reasonCode: reason)), ticket: nil)
        case .exactlyOnce:
            return self.acknowledge(.pubRec(MQTTPublishResponse(packetID: id, reasonCode: reason)), ticket: nil)
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
        guard case .connecting = self.state else { return .none }
        self.state = .connected
        self.inboundAwaitingRelease = inboundAwaitingRelease
        self.awaitingCompletion = awaitingCompletion
        var properties = properties
        if let serverKeepAlive = self.serverKeepAlive { properties.serverKeepAlive = serverKeepAlive }
        if self.version == .v5, self.limits.receiveMaximum != UInt16.max {
            properties.receiveMaximum = self.limits.receiveMaximum
        }
        return .send(
            .connAck(MQTTConnAck(sessionPresent: sessionPresent, reasonCode: .success, properties: properties)))
    }

    public mutating func connectRefused(_ reason: MQTTReasonCode) -> MQTTSessionAction<Token> {
        self.state = .closed
        return .send(.connAck(MQTTConnAck(sessionPresent: false, reasonCode: reason)))
    }

    // MARK: - Session store failures

    /// The session store could not keep the session at CONNECT: refused (5.0: 0x80; 3.1.1:
    /// return code 3, server unavailable), since a CONNACK would claim a session it may lose.
    public mutating func sessionStoreFailedAtConnect() -> MQTTSessionAction<Token> {
        guard case .connecting = self.state else { return .none }
        self.state = .closed
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

    /// PUBRELs to resend after a reconnect for QoS 2 deliveries the client had received [MQTT-4.4.0-1].
    public var pendingReleases: [MQTTPacket] {
        self.awaitingCompletion.sorted().map { .pubRel(MQTTPublishResponse(packetID: MQTTPacketID($0))) }
    }

    // MARK: - Outbound

    /// Whether another QoS 1/2 delivery fits in the client's receive maximum.
    public var canSendQoSDelivery: Bool { self.inflightCount < self.clientReceiveMaximum }

    /// Prepares an outbound PUBLISH: packet id for QoS > 0 (tracked until acknowledged), topic
    /// alias when the client allows them. Returns nil when it would exceed the client's maximum
    /// packet size (the caller drops it, as if delivered [MQTT-3.1.2-25]).
    public mutating func deliveryReady(_ publish: MQTTPublish, token: Token) -> MQTTPublish? {
        var publish = publish
        if publish.qos != .atMostOnce {
            let id = self.allocatePacketID()
            publish.packetID = MQTTPacketID(id)
            self.inflight[id] = (token, publish.qos)
        }
        if self.version == .v5 && self.clientTopicAliasMaximum > 0 {
            if let alias = self.outboundAliases[publish.topic] {
                publish.properties.topicAlias = alias
                publish.topic = ""
            } else if self.outboundAliases.count < Int(self.clientTopicAliasMaximum) {
                let alias = UInt16(self.outboundAliases.count + 1)
                self.outboundAliases[publish.topic] = alias
                publish.properties.topicAlias = alias
            }
        }
        return publish
    }

    /// Forgets an outbound delivery that could not be sent (too large for the client).
    public mutating func deliveryDropped(_ publish: MQTTPublish) -> Token? {
        guard let id = publish.packetID?.rawValue else { return nil }
        return self.inflight.removeValue(forKey: id)?.token
    }

    /// Tokens of deliveries still waiting for PUBACK/PUBREC when the connection ends.
    public mutating func unacknowledgedDeliveries() -> [Token] {
        let tokens = self.inflight.values.map(\.token)
        self.inflight.removeAll()
        return tokens
    }

    private mutating func allocatePacketID() -> UInt16 {
        while true {
            let id = self.nextPacketID
            self.nextPacketID = id == UInt16.max ? 1 : id + 1
            if self.inflight[id] == nil && !self.awaitingCompletion.contains(id) { return id }
        }
    }

    // MARK: - Timers and shutdown

    /// Fires periodically; closes when nothing arrived for 1.5 × keep-alive [MQTT-3.1.2-24].
    /// Returns the action and the delay until the next check.
    public mutating func keepAliveTimerFired() -> (action: MQTTSessionAction<Token>, next: Duration?) {
        guard case .connected = self.state, self.keepAlive > .zero else { return (.none, nil) }
        let limit = self.keepAlive * 3 / 2
        let elapsed = self.lastPacketAt.duration(to: self.clock.now)
        if elapsed >= limit {
            self.state = .closed
            return (.close(.keepAliveTimeout, sendDisconnect: self.version == .v5), nil)
        }
        return (.none, limit - elapsed)
    }

    /// Reading resumed after a pause (resource alarm): the silence was ours, not the client's.
    public mutating func inputResumed() {
        self.lastPacketAt = self.clock.now
    }

    /// The keep-alive check interval after CONNACK.
    public var keepAliveDeadline: Duration? {
        self.keepAlive > .zero ? self.keepAlive * 3 / 2 : nil
    }

    /// Another connection took this client id (0x8E), or the broker stops (0x8B).
    public mutating func closeRequested(_ reason: MQTTReasonCode) -> MQTTSessionAction<Token> {
        let wasConnected = self.isConnected
        guard wasConnected || self.isAwaitingConnect else { return .none }
        self.state = .closed
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
        self.state = .closed
        guard version == .v5 else { return .close(.packetTooLarge, sendDisconnect: false) }
        self.version = .v5
        return .refuseConnect(MQTTConnAck(sessionPresent: false, reasonCode: .packetTooLarge))
    }

    private var isAwaitingConnect: Bool {
        if case .awaitingConnect = self.state { return true }
        return false
    }

    private mutating func protocolViolation(_ reason: MQTTReasonCode) -> MQTTSessionAction<Token> {
        let wasConnected = self.isConnected
        if case .closed = self.state { return .none }
        self.state = .closed
        return .close(reason, sendDisconnect: wasConnected && self.version == .v5)
    }
}
