public import JunctionMQTTCodec

/// Deliveries to the client: packet identifiers and the in-flight window (the client's Receive
/// Maximum), topic aliases out, the client's maximum packet size, and the acknowledgements
/// (PUBACK, PUBREC, PUBCOMP) that settle them.
extension MQTTSessionStateMachine {
    /// Whether another QoS 1/2 delivery fits in the client's receive maximum.
    public var canSendQoSDelivery: Bool { self.inflightCount < self.clientReceiveMaximum }

    /// PUBRELs to resend after a reconnect for QoS 2 deliveries the client had received [MQTT-4.4.0-1].
    public var pendingReleases: [MQTTPacket] {
        self.awaitingCompletion.sorted().map { .pubRel(MQTTPublishResponse(packetID: MQTTPacketID($0))) }
    }

    /// Prepares an outbound PUBLISH (built by `MQTTDeliveryRules`): packet id for QoS > 0 (tracked
    /// until acknowledged), topic alias when the client allows them. The handler encodes it and
    /// reports its size to `deliveryWritten`.
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

    /// What becomes of a prepared delivery once encoded in `encodedSize` bytes.
    public struct WrittenDelivery {
        /// False: larger than the client's maximum packet size, so the bytes are taken back and it
        /// is dropped as if delivered [MQTT-3.1.2-25].
        public var send: Bool
        /// Settle this in the engine now: a QoS 0 delivery (no acknowledgement comes) or a dropped one.
        public var settle: Token?
    }

    /// Decides a prepared delivery once its encoded size is known.
    public mutating func deliveryWritten(_ publish: MQTTPublish, token: Token, encodedSize: Int) -> WrittenDelivery {
        let fits = encodedSize <= self.clientMaximumPacketSize
        if !fits {
            if let id = publish.packetID?.rawValue { self.inflight[id] = nil }
            if publish.properties.topicAlias != nil, !publish.topic.isEmpty {
                // A new alias (the last one allocated) announced in a packet that never left: the
                // client does not know it, so the next PUBLISH on the topic announces it again.
                self.outboundAliases[publish.topic] = nil
            }
        }
        let settles = !fits || publish.qos == .atMostOnce
        return WrittenDelivery(send: fits, settle: settles ? token : nil)
    }

    /// Tokens of deliveries still waiting for PUBACK/PUBREC when the connection ends.
    public mutating func unacknowledgedDeliveries() -> [Token] {
        let tokens = self.inflight.values.map(\.token)
        self.inflight.removeAll()
        return tokens
    }

    mutating func publishAcknowledged(_ ack: MQTTPublishResponse) -> MQTTSessionAction<Token> {
        guard let entry = self.inflight[ack.packetID.rawValue], entry.qos == .atLeastOnce else { return .none }
        self.inflight[ack.packetID.rawValue] = nil
        return .settle(entry.token, reply: nil)
    }

    /// PUBREC of a QoS 2 delivery: settled in the engine, PUBREL sent, the id waits for PUBCOMP.
    mutating func publishReceivedByClient(_ received: MQTTPublishResponse) -> MQTTSessionAction<Token> {
        let id = received.packetID.rawValue
        guard let entry = self.inflight[id], entry.qos == .exactlyOnce else {
            if self.awaitingCompletion.contains(id) {
                return .send(.pubRel(MQTTPublishResponse(packetID: received.packetID)))
            }
            return self.version == .v5
                ? .send(
                    .pubRel(MQTTPublishResponse(packetID: received.packetID, reasonCode: .packetIdentifierNotFound)))
                : .none
        }
        self.inflight[id] = nil
        if received.reasonCode.isFailure {
            // The receiver refused it: the exchange ends here [MQTT-4.3.3].
            return .settle(entry.token, reply: nil)
        }
        self.awaitingCompletion.insert(id)
        return .settle(entry.token, reply: .pubRel(MQTTPublishResponse(packetID: received.packetID)))
    }

    private mutating func allocatePacketID() -> UInt16 {
        while true {
            let id = self.nextPacketID
            self.nextPacketID = id == UInt16.max ? 1 : id + 1
            if self.inflight[id] == nil && !self.awaitingCompletion.contains(id) { return id }
        }
    }
}
