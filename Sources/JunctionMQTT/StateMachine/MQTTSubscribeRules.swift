public import JunctionMQTTCodec

/// The rules of SUBSCRIBE that need neither the engine nor the socket: which filters are valid,
/// shared or the session's own, the subscription limit, no-local on shared subscriptions, and
/// which retained messages a subscription gets (Retain Handling 0/1/2). The handler binds queues.
public enum MQTTSubscribeRules {
    /// Where a filter's messages come from.
    public enum Target: Equatable, Sendable {
        /// The session's own queue, bound with `filter`.
        case session(filter: String)
        /// The shared group's queue, bound with `filter` (the part after `$share/group/`).
        case shared(group: String, filter: String)

        /// The filter bound in the engine.
        public var bindingFilter: String {
            switch self {
            case .session(let filter), .shared(_, let filter): return filter
            }
        }
    }

    /// What one requested filter becomes.
    public enum Decision: Equatable, Sendable {
        /// Subscribed; `isNew` when the session had no subscription with this filter.
        case accept(Target, isNew: Bool)
        /// Not subscribed: this reason code goes in its SUBACK slot.
        case refuse(MQTTReasonCode)
        /// The whole SUBSCRIBE is a protocol error: DISCONNECT 0x82 and close.
        case protocolError
    }

    /// Decides one filter of a SUBSCRIBE against the session's current subscriptions.
    /// `maximumSubscriptions` is `limits.max_consumers_per_channel` (0: no limit).
    public static func decide(
        _ requested: MQTTSubscription, existing: [String: MQTTSessionSubscription], maximumSubscriptions: Int
    ) -> Decision {
        let target: Target
        switch MQTTTopic.sharedSubscription(requested.filter) {
        case .shared(let group, let filter): target = .shared(group: group, filter: filter)
        case .invalid: return .refuse(.topicFilterInvalid)
        case .notShared: target = .session(filter: requested.filter)
        }
        guard MQTTTopic.isValidFilter(target.bindingFilter) else { return .refuse(.topicFilterInvalid) }
        if case .shared = target, requested.noLocal {
            // No-local on a shared subscription is a protocol error [MQTT-3.8.3-4].
            return .protocolError
        }
        let isNew = existing[requested.filter] == nil
        if isNew && maximumSubscriptions > 0 && existing.count >= maximumSubscriptions {
            // limits.max_consumers_per_channel: 0x97 (3.1.1: 0x80).
            return .refuse(.quotaExceeded)
        }
        return .accept(target, isNew: isNew)
    }

    /// Whether retained messages matching the filter are sent after SUBACK: Retain Handling 0
    /// always, 1 only for a new subscription, 2 never; shared subscriptions never get them
    /// [MQTT-3.8.4-4 and 4.8.2].
    public static func sendsRetained(_ requested: MQTTSubscription, target: Target, isNew: Bool) -> Bool {
        guard case .session = target else { return false }
        switch requested.retainHandling {
        case .sendOnSubscribe: return true
        case .sendOnNewSubscribe: return isNew
        case .doNotSend: return false
        }
    }

    /// The SUBACK code of an accepted filter: the QoS granted, which is the one asked for.
    public static func grantedCode(_ requested: MQTTSubscription) -> MQTTReasonCode {
        MQTTReasonCode(rawValue: requested.qos.rawValue)
    }

    /// UNSUBACK's codes, one per filter: 0x11 for a filter the session did not have (MQTT 5; a
    /// 3.1.1 UNSUBACK carries no codes).
    public static func unsubscribeCodes(removed: [MQTTSessionSubscription?]) -> [MQTTReasonCode] {
        removed.map { $0 == nil ? MQTTReasonCode.noSubscriptionExisted : .success }
    }

    /// The change to the server's count of no-local subscriptions when `new` replaces `old`.
    public static func noLocalChange(replacing old: MQTTSessionSubscription?, with new: MQTTSubscription) -> Int {
        (new.noLocal ? 1 : 0) - (old?.subscription.noLocal == true ? 1 : 0)
    }

    /// A retained message as sent to a subscriber: the lower of the two QoS, the retain flag set,
    /// the subscription identifier (MQTT 5).
    public static func retainedPublish(
        _ retained: MQTTRetainedMessage, for subscription: MQTTSubscription, identifier: Int?,
        version: MQTTProtocolVersion, now: UInt64
    ) -> MQTTPublish {
        var publish = MQTTMessageMapping.publish(
            from: retained.message, qos: min(retained.qos, subscription.qos), retain: true, version: version, now: now)
        publish.topic = retained.topic
        if let identifier, version == .v5 { publish.properties.subscriptionIdentifiers = [identifier] }
        return publish
    }
}
