#if canImport(Glibc)
    import Glibc
#endif

/// glibc's per-thread malloc cache size (`resources.malloc_tcache_count`). A message's buffers are allocated
/// on the loop that read it and freed on the loop that wrote it out; with glibc's default of 7 cached chunks
/// per size class, most such frees go to the shared arena under its lock, and big allocations consolidate
/// its fast bins. A larger cache keeps them per thread (measured: ~5% less CPU per SQS message).
///
/// glibc reads the setting once, from the `GLIBC_TUNABLES` environment variable when the process starts,
/// and has no `mallopt` for it. So the broker, once its configuration is read and before it starts any
/// listener, executes itself again (`/proc/self/exe`, same arguments, same process id) with the variable
/// set. It does not when the count is 0, when `GLIBC_TUNABLES` already names `glibc.malloc.tcache_count`
/// (an operator's own choice, or the second start), or when the C library is not glibc.
public enum MallocTuning {
    /// glibc's upper bound for `glibc.malloc.tcache_count`.
    public static let maximumTcacheCount = 65535
    static let tunable = "glibc.malloc.tcache_count"

    /// The `GLIBC_TUNABLES` value that sets the cache to `count`, given the current value; nil when nothing
    /// is to change (count 0, or the current value already names the tunable).
    static func tunables(count: Int, current: String?) -> String? {
        guard count > 0 else { return nil }
        let entries = (current ?? "").split(separator: ":").filter { !$0.isEmpty }
        if entries.contains(where: { $0.hasPrefix("\(Self.tunable)=") }) { return nil }
        // First: glibc 2.36 (Debian 12) rewrites the variable's original text keeping only its first entry,
        // so /proc/<pid>/environ shows that one (getenv and the settings themselves see them all).
        return (["\(Self.tunable)=\(count)"] + entries.map(String.init)).joined(separator: ":")
    }

    /// Executes the broker again with the cache set, when it is to change; returns only if it is not to
    /// change (nil) or the new start failed (the reason, to be logged: the broker then runs with glibc's
    /// default cache).
    public static func restartWithThreadCache(count: Int) -> String? {
        #if canImport(Glibc)
            guard Self.isGlibc else { return nil }
            let current = getenv("GLIBC_TUNABLES").map { String(cString: $0) }
            guard let value = Self.tunables(count: count, current: current) else { return nil }
            guard setenv("GLIBC_TUNABLES", value, 1) == 0 else { return "setenv failed (errno \(errno))" }
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            let failure = errno
            // Back as it was, so nothing started from here inherits a setting that did not apply.
            if let current { setenv("GLIBC_TUNABLES", current, 1) } else { unsetenv("GLIBC_TUNABLES") }
            return "could not start again with GLIBC_TUNABLES=\(value) (errno \(failure))"
        #else
            return nil
        #endif
    }

    /// `GLIBC_TUNABLES` when it names the cache size, for the start-up log.
    public static var threadCacheTunables: String? {
        #if canImport(Glibc)
            guard let value = getenv("GLIBC_TUNABLES").map({ String(cString: $0) }) else { return nil }
            return value.split(separator: ":").contains { $0.hasPrefix("\(Self.tunable)=") } ? value : nil
        #else
            return nil
        #endif
    }

    #if canImport(Glibc)
        /// Whether the C library is glibc (musl, in static Linux builds, has no tunables).
        private static var isGlibc: Bool {
            confstr(Int32(_CS_GNU_LIBC_VERSION), nil, 0) > 0
        }
    #endif
}
