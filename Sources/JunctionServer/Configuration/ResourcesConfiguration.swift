/// Resource alarms: when a limit is crossed, publishers are blocked instead of the broker failing.
public struct ResourcesConfiguration: Sendable, Hashable {
    /// Resident memory above which publishers are blocked: a fraction of physical memory (≤ 1)
    /// or an absolute number of bytes (> 1), as RabbitMQ's `vm_memory_high_watermark`.
    public var memoryHighWatermark: Double
    /// Free bytes on the data directory's file system below which publishers are blocked.
    public var diskFreeLimit: Int

    public init(memoryHighWatermark: Double = 0.4, diskFreeLimit: Int = 50_000_000) {
        self.memoryHighWatermark = memoryHighWatermark
        self.diskFreeLimit = diskFreeLimit
    }
}

/// How message logs are written.
public struct StorageConfiguration: Sendable, Hashable {
    public enum FsyncPolicy: String, Sendable, Hashable, CaseIterable {
        /// fsync before every confirm.
        case always
        /// Group commit: fsync every `fsyncIntervalMilliseconds`; confirms wait for it.
        case interval
        /// Leave it to the OS; confirms do not wait for the disk.
        case never
    }

    public var fsync: FsyncPolicy
    public var fsyncIntervalMilliseconds: Int
    /// A segment file rolls over at this size.
    public var segmentMaxBytes: Int

    public init(fsync: FsyncPolicy = .interval, fsyncIntervalMilliseconds: Int = 5, segmentMaxBytes: Int = 64 << 20) {
        self.fsync = fsync
        self.fsyncIntervalMilliseconds = fsyncIntervalMilliseconds
        self.segmentMaxBytes = segmentMaxBytes
    }
}
