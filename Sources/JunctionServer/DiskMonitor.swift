#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Free space on the file system that holds the data directory, against `disk_free_limit`.
struct DiskMonitor: Sendable {
    let path: String
    let freeLimitBytes: UInt64

    func freeBytes() -> UInt64? {
        var stats = statvfs()
        guard statvfs(self.path, &stats) == 0 else { return nil }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
    }

    func isBelowLimit() -> Bool {
        guard let free = self.freeBytes() else { return false }
        return free < self.freeLimitBytes
    }
}
