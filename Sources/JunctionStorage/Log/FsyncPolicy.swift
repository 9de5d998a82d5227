/// When a `SegmentedLog` calls `fsync` on the active segment.
public enum FsyncPolicy: Equatable, Sendable {
    /// Before `append` returns: every acknowledged offset is durable. Slowest, safest.
    case always
    /// Group commit: `sync()` (called by the owner's timer) makes everything appended so far durable,
    /// and `append` syncs by itself when the last fsync is at least this many milliseconds old
    /// (by the log's injected clock), so durability lags by at most about one interval.
    case interval(milliseconds: Int64)
    /// Only when `sync()` is called explicitly, on roll and on close; otherwise the OS decides.
    case never
}
