import Foundation

/// The memory limit of this process's control group, so the memory alarm fires below the limit
/// the kernel enforces in a container (where `/proc/meminfo` shows the whole machine).
/// cgroup v2: `memory.max` of the process's group (`0::<path>` in `/proc/self/cgroup`), else of
/// the root mounted at `root`; cgroup v1: `memory/<path>/memory.limit_in_bytes`, else
/// `memory/memory.limit_in_bytes`. "max" (v2) means no limit; v1's "no limit" is a huge number,
/// which loses against physical memory anyway.
enum CgroupMemoryLimit {
    /// The limit in bytes, or nil when there is none (or no cgroup file could be read).
    static func bytes(root: String = "/sys/fs/cgroup", selfCgroup: String? = Self.readSelfCgroup()) -> UInt64? {
        var v2Paths: [String] = []
        var v1Paths: [String] = []
        for line in (selfCgroup ?? "").split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = String(fields[2])
            if fields[0] == "0" && fields[1].isEmpty {
                v2Paths.append(path)
            } else if fields[1].split(separator: ",").contains("memory") {
                v1Paths.append(path)
            }
        }
        var candidates: [String] = []
        for path in v2Paths where path != "/" { candidates.append(root + path + "/memory.max") }
        candidates.append(root + "/memory.max")
        for path in v1Paths where path != "/" { candidates.append(root + "/memory" + path + "/memory.limit_in_bytes") }
        candidates.append(root + "/memory/memory.limit_in_bytes")
        candidates.append(root + "/memory.limit_in_bytes")
        for file in candidates {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if value == "max" { return nil }
            if let limit = UInt64(value) { return limit }
        }
        return nil
    }

    static func readSelfCgroup() -> String? {
        try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
    }

    /// The memory the broker may use: physical memory, or the cgroup limit when that is lower.
    static func effectiveLimit(physical: UInt64?, cgroup: UInt64?) -> UInt64? {
        switch (physical, cgroup) {
        case (let physical?, let cgroup?): return min(physical, cgroup)
        case (let physical?, nil): return physical
        case (nil, let cgroup?): return cgroup
        case (nil, nil): return nil
        }
    }
}
