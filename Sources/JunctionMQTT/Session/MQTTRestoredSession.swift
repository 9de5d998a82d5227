/// A persistent session found in the store when the broker starts, with how long its client has
/// been away (since the store last saw it), so its expiry can be re-armed for the time left.
public struct MQTTRestoredSession: Sendable, Equatable {
    public var record: MQTTSessionRecord
    public var offline: Duration

    public init(record: MQTTSessionRecord, offline: Duration) {
        self.record = record
        self.offline = offline
    }

    /// Time left before the session expires; nil when it never does, zero when it already has.
    public var remainingLifetime: Duration? { self.remainingLifetime(cappedAt: UInt32.max) }

    /// Time left when the expiry interval is at most `maximum` seconds (the configured cap, which
    /// may be lower than when the session was stored, e.g. a 3.1.1 session kept "forever").
    public func remainingLifetime(cappedAt maximum: UInt32) -> Duration? {
        let interval = min(self.record.expiryInterval, maximum)
        guard interval != UInt32.max else { return nil }
        let lifetime = Duration.seconds(Int64(interval))
        return self.offline >= lifetime ? .zero : lifetime - self.offline
    }
}
