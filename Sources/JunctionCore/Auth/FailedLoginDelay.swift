public import NIOCore

/// Slows password guessing: a failed login is answered only after a delay that doubles with each
/// further failure from the same address (`limits.failed_login_delay_ms`, capped at
/// `limits.failed_login_max_delay_ms`). An address is forgotten a minute after its last failure or
/// at its next successful login. The connection that failed waits (its protocol's refusal comes
/// late); others are not slowed. Confined to the engine loop.
public final class FailedLoginDelay {
    public let baseMilliseconds: Int
    public let maxMilliseconds: Int
    /// How long an address's failures are remembered.
    public static let windowMilliseconds: UInt64 = 60_000
    /// Addresses remembered at most; when full, expired entries go, then all (an attacker with that
    /// many addresses is not slowed by this anyway).
    public static let capacity = 10_000

    private struct Record {
        var failures: Int
        var lastFailure: UInt64
    }

    private var records: [String: Record] = [:]

    public init(baseMilliseconds: Int, maxMilliseconds: Int) {
        self.baseMilliseconds = baseMilliseconds
        self.maxMilliseconds = max(baseMilliseconds, maxMilliseconds)
    }

    /// Records a failed login from `address` at `now` (milliseconds) and returns how long to wait
    /// before answering it.
    public func failed(address: String, now: UInt64) -> Duration {
        guard self.baseMilliseconds > 0 else { return .zero }
        var record = self.records[address] ?? Record(failures: 0, lastFailure: now)
        if now &- record.lastFailure > Self.windowMilliseconds { record.failures = 0 }
        record.failures += 1
        record.lastFailure = now
        if self.records[address] == nil && self.records.count >= Self.capacity { self.prune(now: now) }
        self.records[address] = record
        let doublings = min(record.failures - 1, 20)
        let delay = min(self.baseMilliseconds << doublings, self.maxMilliseconds)
        return .milliseconds(delay)
    }

    /// A successful login from `address`: its failures are forgotten.
    public func succeeded(address: String) {
        if !self.records.isEmpty { self.records[address] = nil }
    }

    private func prune(now: UInt64) {
        self.records = self.records.filter { now &- $0.value.lastFailure <= Self.windowMilliseconds }
        if self.records.count >= Self.capacity { self.records.removeAll() }
    }
}

@available(*, unavailable)
extension FailedLoginDelay: Sendable {}

extension Broker {
    /// Records a failed login from `address` and returns the delay before it is answered.
    public func loginFailed(from address: String) -> Duration {
        self.failedLogins.failed(address: address, now: self.now)
    }

    /// A successful login from `address`.
    public func loginSucceeded(from address: String) {
        self.failedLogins.succeeded(address: address)
    }
}

extension Broker {
    /// Answers a failed login on `channel` with `refuse`, after the delay its address has earned;
    /// nothing is answered if the client goes meanwhile. On the channel's loop (the engine loop).
    public func refuseLogin(on channel: any Channel, _ refuse: @escaping () -> Void) {
        let delay = self.loginFailed(from: channel.remoteAddress?.ipAddress ?? "local")
        guard delay > .zero else { return refuse() }
        let (seconds, attoseconds) = delay.components
        let amount = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        channel.eventLoop.assumeIsolated().scheduleTask(in: amount) {
            guard channel.isActive else { return }
            refuse()
        }
    }

    /// A successful login on `channel`: its address's failures are forgotten.
    public func acceptLogin(on channel: any Channel) {
        self.loginSucceeded(from: channel.remoteAddress?.ipAddress ?? "local")
    }
}
