/// An append-only log of records addressed by `LogOffset`: what a durable queue or stream stores.
///
/// Owned by one event loop and called only from it (implementations are not `Sendable`). Every
/// call is synchronous. Errors thrown are `StorageError`.
public protocol MessageLog: AnyObject {
    /// The first offset that can still be read (after retention and `truncate(before:)`).
    var firstOffset: LogOffset { get }
    /// The offset the next appended record will get.
    var nextOffset: LogOffset { get }
    /// Every offset below this one is durable.
    var durableOffset: LogOffset { get }

    /// Appends `entries` as one batch, in order, and returns the offsets assigned to them.
    /// `attributes` and `leaderEpoch` are stored with the batch and returned with each record.
    func append(_ entries: [LogEntry], attributes: UInt16, leaderEpoch: Int32) throws -> LogAppendResult

    /// Up to `maxRecords` records from `offset` on, stopping before the batch that would exceed
    /// `maxBytes` of keys and values (but always returning at least one record if one exists).
    /// An offset below `firstOffset` reads from `firstOffset`; at or past `nextOffset` returns nothing.
    func read(from offset: LogOffset, maxRecords: Int, maxBytes: Int) throws -> [LogRecord]

    /// The offset of the first record whose timestamp is at or after `timestamp` (milliseconds
    /// since the Unix epoch), or `nil` if there is none.
    func offset(atOrAfter timestamp: Int64) throws -> LogOffset?

    /// Drops everything before `offset` (an acknowledged prefix): `firstOffset` becomes `offset`
    /// (capped at `nextOffset`); whole segments below it are deleted. On a `SegmentedLog` this
    /// persists the new start offset (two fsyncs), so call it for a batch of acknowledgements, not per ack.
    func truncate(before offset: LogOffset) throws

    /// Hands what is buffered to the OS (written, not synced): see `SegmentedLogConfiguration.writeBufferBytes`.
    func writeBuffered() throws

    /// Makes everything appended so far durable and returns the new `durableOffset`.
    @discardableResult
    func sync() throws -> LogOffset

    /// `sync()` in two halves, so the fsync can run on an I/O thread: `beginSync` writes what is
    /// buffered and returns the fsync to run (nil: nothing to do); `finishSync` takes its outcome
    /// back on the owner. Logs without files sync in `beginSync` and return nil.
    func beginSync() throws -> LogSyncRequest?
    func finishSync(_ request: LogSyncRequest, failure: (any Error)?) throws

    /// Registers `observer`, called at the end of `sync()` with the new `durableOffset` whenever it
    /// has advanced since the observers were last told — including advances made inside earlier
    /// appends (policy `.always`/`.interval`, segment roll), which those appends already reported in
    /// their `LogAppendResult`. So observers alone see every advance by the next `sync()` at the
    /// latest; callers wanting the lowest latency also act on `LogAppendResult.durableOffset`.
    /// Observers run on the owning loop and may call the log.
    func addDurabilityObserver(_ observer: @escaping (LogOffset) -> Void)
}

extension MessageLog {
    public func beginSync() throws -> LogSyncRequest? {
        try self.sync()
        return nil
    }

    public func finishSync(_ request: LogSyncRequest, failure: (any Error)?) throws {
        if let failure { throw failure }
    }

    /// Appends with attributes 0 and leader epoch 0.
    public func append(_ entries: [LogEntry]) throws -> LogAppendResult {
        try self.append(entries, attributes: 0, leaderEpoch: 0)
    }
}
