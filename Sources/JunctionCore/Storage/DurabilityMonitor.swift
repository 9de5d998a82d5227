/// When a stored message counts as safe (so its publisher may be confirmed).
public enum DurabilityPolicy: Sendable, Equatable {
    /// fsync at the end of every read burst that stored something, before its confirms go out.
    case always
    /// fsync on the server's group-commit timer; confirms wait for it.
    case groupCommit
    /// The OS writes when it likes; confirms do not wait for the disk.
    case never
}

/// Something waiting for stored messages to become durable (a channel with pending confirms, an
/// MQTT session with pending PUBACKs, an HTTP request).
public protocol DurabilityWaiter: AnyObject {
    /// Every append up to `ticket` (a `QueueStore.appendCount` value) is now durable.
    func durabilityAdvanced(to ticket: UInt64)
    /// The store could not make appends durable; those still pending should be refused.
    func durabilityFailed()
}

/// Group commit for the queue store: tells waiters when their appends are on disk. On the engine loop.
public final class DurabilityMonitor {
    public let policy: DurabilityPolicy
    private let store: any QueueStore
    private var waiters: [ObjectIdentifier: any DurabilityWaiter] = [:]
    /// Called with the error when syncs start failing, and with nil when one succeeds again: at the
    /// edges of an outage, not on every group commit of it.
    private var logFailure: ((any Error)?) -> Void
    /// Whether the last sync failed.
    public private(set) var isFailing = false

    init(policy: DurabilityPolicy, store: any QueueStore, logFailure: @escaping ((any Error)?) -> Void) {
        self.policy = policy
        self.store = store
        self.logFailure = logFailure
    }

    /// The ticket a publish must wait for: the store's append count right after it.
    public var currentTicket: UInt64 { self.store.appendCount }
    public var failedAppendCount: UInt64 { self.store.failedAppendCount }

    public func isDurable(_ ticket: UInt64) -> Bool {
        self.policy == .never || ticket <= self.store.durableAppendCount
    }

    /// Registers a waiter until it is told its ticket is durable (or the store failed).
    public func wait(_ waiter: any DurabilityWaiter) {
        self.waiters[ObjectIdentifier(waiter)] = waiter
    }

    public func stopWaiting(_ waiter: any DurabilityWaiter) {
        self.waiters[ObjectIdentifier(waiter)] = nil
    }

    /// The group-commit timer fired.
    public func groupCommitTimerFired() {
        guard self.policy != .always || self.store.needsSync else { return }
        self.syncNow()
    }

    /// A read burst ended: under `always`, what it stored is synced before its confirms go out;
    /// otherwise its appends, acknowledgements and delivered marks are written (not synced) at once.
    public func readBurstEnded() {
        guard self.store.needsSync else { return }
        if self.policy == .always {
            self.syncNow()
        } else {
            self.store.writeBuffered()
        }
    }

    /// Syncs the store (if anything changed) and tells every waiter. While the store keeps failing
    /// (a full or failing disk) every group commit tries again: the logs repair themselves once the
    /// disk takes writes, and confirms resume.
    public func syncNow() {
        if self.store.needsSync {
            do {
                try self.store.sync()
                if self.isFailing {
                    self.isFailing = false
                    self.logFailure(nil)
                }
            } catch {
                if !self.isFailing {
                    self.isFailing = true
                    self.logFailure(error)
                }
                let waiters = self.waiters.values
                self.waiters.removeAll()
                for waiter in waiters { waiter.durabilityFailed() }
                return
            }
        }
        guard !self.waiters.isEmpty else { return }
        let ticket = self.store.durableAppendCount
        let waiters = self.waiters.values
        self.waiters.removeAll()
        for waiter in waiters { waiter.durabilityAdvanced(to: ticket) }
    }
}

@available(*, unavailable)
extension DurabilityMonitor: Sendable {}
