/// One file's fsync, taken on the log's owner and run on another thread (the I/O thread), so the
/// owner goes on appending while the disk works. A POSIX handle holds a duplicate of the file's
/// descriptor: the owner may roll or close the file meanwhile. Run it exactly once.
public struct LogSyncHandle: Sendable {
    private let body: @Sendable () throws -> Void

    public init(_ body: @escaping @Sendable () throws -> Void) {
        self.body = body
    }

    /// A handle with nothing left to do (the file was synced when the handle was made).
    public static let done = LogSyncHandle {}

    /// Runs the fsync; nil when it succeeded. Errors are `StorageError`.
    public func run() -> (any Error)? {
        do {
            try self.body()
            return nil
        } catch {
            return error
        }
    }
}

extension LogFile {
    /// Files that cannot hand their fsync to another thread sync here, on the owner.
    public func syncHandle() throws -> LogSyncHandle {
        try self.sync()
        return .done
    }
}

/// What `SegmentedLog.beginSync()` hands out: run `handle` anywhere, then give the request and
/// its outcome back to `finishSync` on the owner.
public struct LogSyncRequest: Sendable {
    public let handle: LogSyncHandle
    /// Every offset below this one is durable once the handle succeeded.
    public let target: LogOffset
    let segmentBase: LogOffset
    let segmentSize: Int64
    /// The deferred roll and truncation work the handle does too (`DeferredSegmentWork`).
    var deferred = DeferredSegmentWorkTaken()
}
