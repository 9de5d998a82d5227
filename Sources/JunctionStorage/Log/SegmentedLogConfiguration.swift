/// How a `SegmentedLog` sizes, rolls, syncs, indexes and retains its segments.
public struct SegmentedLogConfiguration: Equatable, Sendable {
    /// Roll to a new segment before an append would make the active one larger than this.
    public var maxSegmentBytes: Int64
    /// Roll to a new segment once the active one is this old (milliseconds by the log's clock), if set.
    public var maxSegmentAgeMilliseconds: Int64?
    /// Bytes of log between two sparse index entries.
    public var indexIntervalBytes: Int
    /// The largest encoded batch accepted on append and on read; bigger length fields are corruption.
    public var maxBatchBytes: Int
    public var fsyncPolicy: FsyncPolicy
    /// Delete whole sealed segments whose newest record is older than this (milliseconds), if set.
    public var retentionMilliseconds: Int64?
    /// Delete the oldest sealed segments while the log is larger than this, if set.
    public var retentionBytes: Int64?
    /// Verify every batch of every segment on open, not only the last segment's.
    public var verifyAllSegmentsOnOpen: Bool
    /// Appends collect in memory up to this many bytes and are written with one `pwrite` (with their
    /// index entries) when it fills, on `writeBuffered()`, before any read, fsync, roll or close;
    /// 0 writes every append at once. Until written, appended records survive neither a process crash
    /// nor a failed write: callers that buffer tell their clients nothing before `sync()` or
    /// `writeBuffered()` returned.
    public var writeBufferBytes: Int
    /// Whether a segment is fsynced when it is sealed (rolled). Only a log whose contents need not
    /// survive a restart (a queue's spill log) turns it off: a roll then costs no fsync on its owner's loop,
    /// and a truncation writes no log-start checkpoint and syncs no directory.
    public var syncsSealedSegments = true
    /// Whether rolls and truncations leave their fsyncs, checkpoint and unlinks to the next `beginSync()`
    /// (`DeferredSegmentWork`), whose handle the owner runs on an I/O thread. For logs synced only through
    /// `beginSync()`/`finishSync` (durable queue logs); recovery then scans the last two segments.
    public var defersSegmentFileWork = false

    public init(
        maxSegmentBytes: Int64 = 256 * 1024 * 1024,
        maxSegmentAgeMilliseconds: Int64? = nil,
        indexIntervalBytes: Int = 4096,
        maxBatchBytes: Int = 16 * 1024 * 1024,
        fsyncPolicy: FsyncPolicy = .interval(milliseconds: 100),
        retentionMilliseconds: Int64? = nil,
        retentionBytes: Int64? = nil,
        verifyAllSegmentsOnOpen: Bool = false,
        writeBufferBytes: Int = 0
    ) {
        self.maxSegmentBytes = maxSegmentBytes
        self.maxSegmentAgeMilliseconds = maxSegmentAgeMilliseconds
        self.indexIntervalBytes = indexIntervalBytes
        self.maxBatchBytes = maxBatchBytes
        self.fsyncPolicy = fsyncPolicy
        self.retentionMilliseconds = retentionMilliseconds
        self.retentionBytes = retentionBytes
        self.verifyAllSegmentsOnOpen = verifyAllSegmentsOnOpen
        self.writeBufferBytes = writeBufferBytes
    }
}
