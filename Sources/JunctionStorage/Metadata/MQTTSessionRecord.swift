/// A persistent MQTT session: the client's connection flags and its subscriptions.
/// `lastSeenMilliseconds` is the caller's clock (milliseconds since the Unix epoch).
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

    public init(
        virtualHost: String,
        clientID: String,
        cleanStart: Bool,
        expiryIntervalSeconds: UInt32,
        protocolLevel: UInt8,
        lastSeenMilliseconds: UInt64,
        subscriptions: [MQTTSubscriptionRecord] = []
    ) {
        self.virtualHost = virtualHost
        self.clientID = clientID
        self.cleanStart = cleanStart
        self.expiryIntervalSeconds = expiryIntervalSeconds
        self.protocolLevel = protocolLevel
        self.lastSeenMilliseconds = lastSeenMilliseconds
        self.subscriptions = subscriptions
    }
}
