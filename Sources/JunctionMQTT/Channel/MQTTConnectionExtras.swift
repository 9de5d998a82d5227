import JunctionCore
import JunctionMQTTCodec
import JunctionModel
import JunctionTransport

/// What a connection needs only once it does more than hold its session open: the will, the
/// engine subscriptions and their shared credit, the access context with its decision cache, the
/// publisher gate and the topic caches. Allocated on first use, so an idle connection (CONNECT,
/// then a PINGREQ now and then) does not carry it: issue 12 asks for ≤ 2 KiB per idle connection.
final class MQTTConnectionExtras {
    /// The will of CONNECT, until it is published or discarded.
    var will: MQTTWill?
    /// The logged-in client's access context (created at the first engine call that needs it).
    var access: AccessContext?
    var sessionQueue: String?
    var sessionSubscription: Subscription?
    /// Shared-group subscriptions by their `$share/…` filter.
    var sharedSubscriptions: [String: Subscription] = [:]
    /// Credit shared by the session's subscriptions: the client's Receive Maximum.
    var creditPool: CreditPool?
    var publisherGate = PublisherGate()
    /// A publisher repeats its topic and a subscriber mostly sees the same few: the last topic read, the last
    /// topic → routing key and routing key → topic mappings are reused while they repeat (no allocation).
    var publishTopics = RepeatedStringCache()
    var routingKeys = RepeatedMapping { MQTTTopic.routingKey(forTopic: $0) }
    var deliveryTopics = RepeatedMapping { MQTTTopic.topic(forRoutingKey: $0) }
    /// A refused retained message is logged once per connection (every refusal is counted).
    var retainedRefusalLogged = false
    /// QoS 2 deliveries of a persistent session that the client PUBREC'd: settled in the engine once the
    /// PUBREL owed for them is stored (`MQTTConnectionHandler.settleOnceStored`).
    var settlesAwaitingStore: [MQTTDeliveryToken] = []
}

@available(*, unavailable)
extension MQTTConnectionExtras: Sendable {}
