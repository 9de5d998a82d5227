#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The engine's only source of time (TTL, `x-expires`, `x-death` timestamps). Injected so tests
/// drive time with `ManualBrokerClock` instead of sleeping.
public protocol BrokerClock {
    /// Milliseconds since the Unix epoch.
    func nowMilliseconds() -> UInt64
}

/// Wall-clock time.
public struct SystemBrokerClock: BrokerClock, Sendable {
    public init() {}

    public func nowMilliseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1000 + UInt64(spec.tv_nsec) / 1_000_000
    }
}
