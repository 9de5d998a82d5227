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
    public var remainingLifetime: Duration? {
        guard self.record.expiryInterval != UInt32.max else { return nil }
        let lifetime = Duration.seconds(Int64(self.record.expiryInterval))
        return self.offline >= lifetime ? .zero : lifetime - self.offline
    }
}
