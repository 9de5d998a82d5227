/// One subscription of an MQTT session, with its MQTT 5 subscription options (an MQTT 3.1.1
/// session leaves them at their defaults). A session has at most one subscription per filter.
public struct MQTTSubscriptionRecord: Hashable, Sendable {
    public var topicFilter: String
    public var qos: UInt8
    public var noLocal: Bool
    public var retainAsPublished: Bool
    /// 0, 1 or 2, as on the wire.
    public var retainHandling: UInt8
    public var subscriptionIdentifier: UInt32?

    public init(
        topicFilter: String,
        qos: UInt8,
        noLocal: Bool = false,
        retainAsPublished: Bool = false,
        retainHandling: UInt8 = 0,
        subscriptionIdentifier: UInt32? = nil
    ) {
        self.topicFilter = topicFilter
        self.qos = qos
        self.noLocal = noLocal
        self.retainAsPublished = retainAsPublished
        self.retainHandling = retainHandling
        self.subscriptionIdentifier = subscriptionIdentifier
    }
}
