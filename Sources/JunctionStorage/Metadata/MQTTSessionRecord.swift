/// A persistent MQTT session: the client's connection flags, its subscriptions and its QoS 2
/// packet ids in flight. `lastSeenMilliseconds` is the caller's clock (milliseconds since the Unix epoch).
public struct MQTTSessionRecord: Hashable, Sendable {
    public var virtualHost: String
    public var clientID: String
    public var cleanStart: Bool
    /// Seconds the session outlives its connection (MQTT 5 Session Expiry Interval);
    /// `UInt32.max` means never.
    public var expiryIntervalSeconds: UInt32
    /// 3 (3.1), 4 (3.1.1) or 5.
    public var protocolLevel: UInt8
    public var lastSeenMilliseconds: UInt64
    /// Kept sorted by topic filter when loaded.
    public var subscriptions: [MQTTSubscriptionRecord]
    /// QoS 2 PUBLISHes received (PUBREC sent) whose PUBREL has not come yet (schema v2).
    public var inboundAwaitingRelease: Set<UInt16>
    /// QoS 2 deliveries acknowledged by PUBREC whose PUBCOMP has not come yet (schema v2).
    public var awaitingCompletion: Set<UInt16>
    /// The user who created the session; nil for sessions stored before owners were recorded.
    public var owner: String?

    public init(
        virtualHost: String,
        clientID: String,
        cleanStart: Bool,
        expiryIntervalSeconds: UInt32,
        protocolLevel: UInt8,
        lastSeenMilliseconds: UInt64,
        subscriptions: [MQTTSubscriptionRecord] = [],
        inboundAwaitingRelease: Set<UInt16> = [],
        awaitingCompletion: Set<UInt16> = [],
        owner: String? = nil
    ) {
        self.virtualHost = virtualHost
        self.clientID = clientID
        self.cleanStart = cleanStart
        self.expiryIntervalSeconds = expiryIntervalSeconds
        self.protocolLevel = protocolLevel
        self.lastSeenMilliseconds = lastSeenMilliseconds
        self.subscriptions = subscriptions
        self.inboundAwaitingRelease = inboundAwaitingRelease
        self.awaitingCompletion = awaitingCompletion
        self.owner = owner
    }
}
