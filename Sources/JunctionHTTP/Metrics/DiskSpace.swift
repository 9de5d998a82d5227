#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Free space for `/metrics`, measured as the server's disk monitor does (blocks available to
/// unprivileged users).
enum DiskSpace {
    static func freeBytes(_ path: String) -> Int? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return Int(clamping: UInt64(stats.f_bavail) * UInt64(stats.f_frsize))
    }
}
