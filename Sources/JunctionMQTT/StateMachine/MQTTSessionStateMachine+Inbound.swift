public import JunctionMQTTCodec

/// PUBLISH from the client: topic aliases in, QoS 2 exactly-once on the way in, the Receive
/// Maximum, and acknowledgements held until the store made the message durable.
extension MQTTSessionStateMachine {
    mutating func publishReceived(_ publish: MQTTPublish) -> MQTTSessionAction<Token> {
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

    mutating func releaseReceived(_ release: MQTTPublishResponse) -> MQTTSessionAction<Token> {
        if self.inboundAwaitingRelease.contains(release.packetID.rawValue) {
            self.inboundAwaitingRelease.remove(release.packetID.rawValue)
        }
        // PUBCOMP even for an unknown id, so a client retrying after a reconnect finishes [MQTT-4.3.3].
        return .send(.pubComp(MQTTPublishResponse(packetID: release.packetID)))
    }

    /// The engine routed the PUBLISH; `matched` is false when no subscription received it.
    /// `refusedByQueues`: subscriptions matched but every one of their queues refused the message
    /// (`x-overflow: reject-publish` at its limit, e.g. `mqtt.queue_overflow: reject-publish`): MQTT 5
    /// hears 0x97 Quota exceeded, MQTT 3.1.1 (no refusal code) a plain acknowledgement.
    /// `durabilityTicket` is set when the message went to a durable queue and is not yet on disk:
    /// its PUBACK/PUBREC (and every later one) then waits for `durabilityAdvanced(to:)`.
    public mutating func publishRouted(
        _ publish: MQTTPublish,
        matched: Bool,
        refusedByQueues: Bool = false,
        durabilityTicket: UInt64? = nil
    ) -> MQTTSessionAction<Token> {
        guard let id = publish.packetID else { return .none }
        let reason: MQTTReasonCode =
            if matched || self.version != .v5 {
                .success
            } else if refusedByQueues {
                .quotaExceeded
            } else {
                .noMatchingSubscribers
            }
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
}
