/// A clock that moves only when told to. Like the engine, it is confined to one loop (not `Sendable`).
public final class ManualBrokerClock: BrokerClock {
    public private(set) var now: UInt64

    /// - Parameter now: milliseconds since the epoch; the default is 2024-01-01T00:00:00Z.
    public init(now: UInt64 = 1_704_067_200_000) {
        self.now = now
    }

    public func nowMilliseconds() -> UInt64 { self.now }

    public func advance(byMilliseconds delta: UInt64) {
        self.now += delta
    }

    public func set(milliseconds: UInt64) {
        self.now = milliseconds
    }
}

@available(*, unavailable)
extension ManualBrokerClock: Sendable {}
