import Foundation

/// Reads this process's resident memory and the memory it may use (the machine's, or its cgroup's
/// limit when lower), as RabbitMQ's memory alarm does, so publishers can be blocked before the
/// broker runs out of memory.
struct MemoryMonitor: Sendable {
    /// The alarm threshold in bytes.
    let watermarkBytes: UInt64

    /// - Parameter watermark: a fraction of physical memory (0 < x ≤ 1), or an absolute byte count when > 1.
    init(watermark: Double) {
        if watermark > 1 {
            self.watermarkBytes = UInt64(watermark)
        } else {
            self.watermarkBytes = UInt64(Double(Self.totalMemoryBytes() ?? (8 << 30)) * watermark)
        }
    }

    func residentBytes() -> UInt64? {
        // /proc/self/statm: size resident shared text lib data dt, in pages.
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = UInt64(fields[1]) else { return nil }
        return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }

    func isAboveWatermark() -> Bool {
        guard let resident = self.residentBytes() else { return false }
        return resident > self.watermarkBytes
    }

    /// The memory the broker may use: physical memory, or its cgroup's limit (v2 `memory.max`,
    /// v1 `memory.limit_in_bytes`) when that is lower, so in a container the alarm fires before
    /// the kernel's OOM killer does.
    static func totalMemoryBytes() -> UInt64? {
        CgroupMemoryLimit.effectiveLimit(physical: Self.physicalMemoryBytes(), cgroup: CgroupMemoryLimit.bytes())
    }

    static func physicalMemoryBytes() -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let number = line.split(separator: " ").dropFirst().first.flatMap { UInt64($0) }
            return number.map { $0 * 1024 }
        }
        return nil
    }
}
