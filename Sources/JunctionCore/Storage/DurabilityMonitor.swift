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
    /// Where group commits' fsyncs run; the server sets its I/O thread, tests keep them inline.
    public var executor: any DiskSyncExecutor = InlineDiskSync()
    private var syncInFlight = false
    /// A group commit was asked for while one was running: it starts when that one finishes.
    private var syncRequested = false

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

    /// Starts a group commit (if anything changed) and tells every waiter when it finished. Its
    /// fsyncs run on `executor` (the server's I/O thread): appends, deliveries and confirms of
    /// earlier commits go on meanwhile, and what arrives meanwhile waits for the next commit, which
    /// starts as soon as this one finished when one was asked for. While the store keeps failing (a
    /// full or failing disk) every group commit tries again: the logs repair themselves once the
    /// disk takes writes, and confirms resume.
    public func syncNow() {
        guard !self.syncInFlight else {
            self.syncRequested = true
            return
        }
        guard self.store.needsSync else {
            self.tellWaiters()
            return
        }
        self.syncInFlight = true
        let batch = self.store.beginSync()
        self.executor.run(batch.work) { [self] outcomes in
            self.syncInFlight = false
            do {
                try batch.finish(outcomes: outcomes)
                self.syncSucceeded()
            } catch {
                self.syncFailed(error)
            }
            if self.syncRequested {
                self.syncRequested = false
                self.syncNow()
            }
        }
    }

    /// Shutdown: everything stored so far is synced here, on the caller's thread.
    public func syncBeforeShutdown() {
        do {
            try self.store.sync()
            self.syncSucceeded()
        } catch {
            self.syncFailed(error)
        }
    }

    /// Whether a group commit's fsyncs are running.
    public var isSyncing: Bool { self.syncInFlight }

    private func syncSucceeded() {
        if self.isFailing {
            self.isFailing = false
            self.logFailure(nil)
        }
        self.tellWaiters()
    }

    private func syncFailed(_ error: any Error) {
        if !self.isFailing {
            self.isFailing = true
            self.logFailure(error)
        }
        let waiters = self.waiters.values
        self.waiters.removeAll()
        for waiter in waiters { waiter.durabilityFailed() }
    }

    private func tellWaiters() {
        guard !self.waiters.isEmpty else { return }
        let ticket = self.store.durableAppendCount
        let waiters = self.waiters.values
        self.waiters.removeAll()
        for waiter in waiters { waiter.durabilityAdvanced(to: ticket) }
    }
}

@available(*, unavailable)
extension DurabilityMonitor: Sendable {}
