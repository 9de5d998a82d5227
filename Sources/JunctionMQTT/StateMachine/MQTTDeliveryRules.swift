import JunctionCore
public import JunctionMQTTCodec
public import JunctionModel

/// The rules of an outbound delivery that need neither the engine nor the socket: which of the
/// session's subscriptions want a message, at which QoS, with which identifiers and flags. The
/// handler only finds the message's topic and writes the PUBLISH; packet ids, topic aliases and the
/// client's receive maximum are the session state machine's (`deliveryReady`).
public enum MQTTDeliveryRules {
    /// What the matching subscriptions of a session make of one message.
    public struct Match: Equatable, Sendable {
        /// The highest QoS of the matching subscriptions (the message's own QoS may lower it).
        public var qos: MQTTQoS
        /// Some matching subscription keeps the retain flag as published [MQTT-3.3.1-12].
        public var retainAsPublished: Bool
        /// The subscription identifiers of every matching subscription that has one [MQTT-3.3.4-3].
        public var identifiers: [Int]

        public init(qos: MQTTQoS, retainAsPublished: Bool = false, identifiers: [Int] = []) {
            self.qos = qos
            self.retainAsPublished = retainAsPublished
            self.identifiers = identifiers
        }
    }

    /// A message from the session's own queue. Overlapping filters give one delivery with the
    /// highest QoS and all their identifiers [MQTT-3.3.4-2, -3, -5]; a no-local filter does not
    /// match the client's own messages [MQTT-3.8.3-3]; shared filters have their own queues and do
    /// not count here. Nil: no subscription wants it (unsubscribed meanwhile, or no-local only).
    public static func sessionMatch(
        topic: String, publisher: String?, clientID: String?, subscriptions: [String: MQTTSessionSubscription]
    ) -> Match? {
        var match: Match?
        for (filter, entry) in subscriptions where !filter.hasPrefix("$share/") {
            guard MQTTTopic.matches(filter: filter, topic: topic) else { continue }
            if entry.subscription.noLocal && publisher != nil && publisher == clientID { continue }
            var merged = match ?? Match(qos: .atMostOnce)
            merged.qos = max(merged.qos, entry.subscription.qos)
            merged.retainAsPublished = merged.retainAsPublished || entry.subscription.retainAsPublished
            if let identifier = entry.identifier { merged.identifiers.append(identifier) }
            match = merged
        }
        // Identifiers in a stable order (the dictionary's order is not); one or none needs no sort.
        if let count = match?.identifiers.count, count > 1 { match?.identifiers.sort() }
        return match
    }

    /// A message from a shared group's queue: only that subscription counts. Retain-as-published
    /// does not apply (shared subscriptions never see the retain flag set [MQTT-4.8.2]).
    /// Nil: the subscription is gone.
    public static func sharedMatch(_ entry: MQTTSessionSubscription?) -> Match? {
        guard let entry else { return nil }
        return Match(qos: entry.subscription.qos, identifiers: entry.identifier.map { [$0] } ?? [])
    }

    /// The PUBLISH sent for a message: the lower of the published and the subscribed QoS
    /// [MQTT-3.8.4-8], the retain flag only for retain-as-published of a message that was
    /// retained, DUP for a redelivery at QoS 1/2 [MQTT-3.3.1-1, -3], and the subscription
    /// identifiers for an MQTT 5 client.
    public static func publish(
        from message: Message, topic: String, match: Match, redelivered: Bool, version: MQTTProtocolVersion,
        now: UInt64
    ) -> MQTTPublish {
        let granted = min(MQTTMessageMapping.publishedQoS(of: message), match.qos)
        var publish = MQTTMessageMapping.publish(
            from: message, qos: granted, retain: match.retainAsPublished && MQTTMessageMapping.wasRetained(message),
            version: version, now: now, topic: topic)
        publish.dup = redelivered && granted != .atMostOnce
        if version == .v5 { publish.properties.subscriptionIdentifiers = match.identifiers }
        return publish
    }
}
