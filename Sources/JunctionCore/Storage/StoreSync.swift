public import JunctionStorage

/// One group commit taken apart so that its fsyncs leave the engine loop: the store's `beginSync()`
/// writes what is buffered and collects the files' fsyncs (`work`) on the loop; a
/// `DiskSyncExecutor` runs them in order on an I/O thread; `finish(outcomes:)` back on the loop
/// moves the durable watermarks and settles what waited for them. Appends and deliveries go on
/// meanwhile and belong to the next group commit.
public final class StoreSync {
    /// What the I/O thread runs.
    public private(set) var work = SyncWork()
    private var outcomes: [(any Error)?] = []
    private var finishers: [() throws -> Void] = []
    private var successes: [() -> Void] = []
    /// A part that could not even begin (a failed write): the commit fails after the others finish.
    private var beginFailure: (any Error)?

    public init() {}

    /// Adds an fsync; its outcome is `outcome(index)` when the finishers run.
    func add(_ request: LogSyncRequest?) -> Int? {
        guard let request else { return nil }
        self.work.handles.append(request.handle)
        return self.work.handles.count - 1
    }

    /// The fsyncs added from now on run only if every one before succeeded (acknowledgements
    /// after the messages of every queue and stream).
    func barrier() {
        self.work.barrier = self.work.handles.count
    }

    func outcome(_ index: Int?) -> (any Error)? {
        guard let index, index < self.outcomes.count else { return nil }
        return self.outcomes[index]
    }

    /// Runs on the loop once the fsyncs ran, in the order added.
    func onFinish(_ body: @escaping () throws -> Void) {
        self.finishers.append(body)
    }

    /// Runs on the loop after the finishers, only when nothing failed.
    func onSuccess(_ body: @escaping () -> Void) {
        self.successes.append(body)
    }

    func beginFailed(_ error: any Error) {
        self.beginFailure = self.beginFailure ?? error
    }

    /// On the loop, with `work.run()`'s outcomes: runs every finisher, then throws the first
    /// failure, if any. The store's durable count moves only when nothing failed.
    public func finish(outcomes: [(any Error)?]) throws {
        self.outcomes = outcomes
        // Taken out before they run: the closures capture this commit (they read `outcome(_:)`), and a
        // commit that kept them would keep itself, its parts and the segments they name, once per group
        // commit (the soak's RSS grew by ~7 MiB a minute until this).
        let finishers = self.finishers
        let successes = self.successes
        self.finishers = []
        self.successes = []
        var failure = self.beginFailure
        for finisher in finishers {
            do {
                try finisher()
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        for success in successes { success() }
    }
}

/// The fsyncs of one group commit, in order; those from `barrier` on are skipped when one
/// before it failed.
public struct SyncWork: Sendable {
    public var handles: [LogSyncHandle] = []
    public var barrier = Int.max

    public init() {}

    /// Runs the fsyncs (on an I/O thread) and returns each outcome.
    public func run() -> [(any Error)?] {
        var outcomes: [(any Error)?] = []
        outcomes.reserveCapacity(self.handles.count)
        var failed = false
        for (index, handle) in self.handles.enumerated() {
            if index >= self.barrier && failed {
                outcomes.append(SyncSkipped())
                continue
            }
            let outcome = handle.run()
            failed = failed || outcome != nil
            outcomes.append(outcome)
        }
        return outcomes
    }
}

/// The outcome of an fsync not run because one it depends on failed.
struct SyncSkipped: Error, CustomStringConvertible {
    var description: String { "not synced: an earlier fsync of the group commit failed" }
}

@available(*, unavailable)
extension StoreSync: Sendable {}

/// Where a group commit's fsyncs run. The server's runs them on an I/O thread and calls back on
/// the engine loop; `InlineDiskSync` runs them at once, on the caller's thread.
public protocol DiskSyncExecutor: AnyObject {
    /// Runs `work` off the loop, then `completion` on the loop with its outcomes.
    func run(_ work: SyncWork, completion: @escaping ([(any Error)?]) -> Void)
}

/// fsyncs on the caller's thread: what the engine did before I/O threads, and what unit tests use.
public final class InlineDiskSync: DiskSyncExecutor {
    public init() {}

    public func run(_ work: SyncWork, completion: @escaping ([(any Error)?]) -> Void) {
        completion(work.run())
    }
}
