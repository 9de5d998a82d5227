import Foundation
import Testing

@testable import JunctionServer

/// The memory alarm's threshold in a container: the cgroup limit (v2 `memory.max`, v1
/// `memory.limit_in_bytes`) when it is lower than physical memory, read from a fake cgroup tree.
@Suite struct CgroupMemoryLimitTests {
    let root: String

    init() throws {
        self.root = NSTemporaryDirectory() + "junction-cgroup-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: self.root, withIntermediateDirectories: true)
    }

    func write(_ text: String, _ path: String) throws {
        let file = self.root + path
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
    }

    @Test func v2LimitOfTheProcessGroupWins() throws {
        try self.write("max\n", "/memory.max")
        try self.write("536870912\n", "/system.slice/junction.service/memory.max")
        let limit = CgroupMemoryLimit.bytes(root: self.root, selfCgroup: "0::/system.slice/junction.service\n")
        #expect(limit == 536_870_912)
        #expect(CgroupMemoryLimit.effectiveLimit(physical: 24 << 30, cgroup: limit) == 536_870_912)
    }

    @Test func v2RootInAContainerAndNoLimit() throws {
        try self.write("1073741824\n", "/memory.max")
        #expect(CgroupMemoryLimit.bytes(root: self.root, selfCgroup: "0::/\n") == 1_073_741_824)
        try self.write("max\n", "/memory.max")
        #expect(CgroupMemoryLimit.bytes(root: self.root, selfCgroup: "0::/\n") == nil)
        #expect(CgroupMemoryLimit.effectiveLimit(physical: 24 << 30, cgroup: nil) == 24 << 30)
    }

    @Test func v1FallbackAndItsNoLimitValue() throws {
        try self.write("268435456\n", "/memory/docker/abc/memory.limit_in_bytes")
        let selfCgroup = "12:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n"
        #expect(CgroupMemoryLimit.bytes(root: self.root, selfCgroup: selfCgroup) == 268_435_456)
        // v1 without a limit reports a huge number: physical memory is lower.
        try self.write("9223372036854771712\n", "/memory/memory.limit_in_bytes")
        let unlimited = CgroupMemoryLimit.bytes(root: self.root, selfCgroup: "4:memory:/\n")
        #expect(CgroupMemoryLimit.effectiveLimit(physical: 24 << 30, cgroup: unlimited) == 24 << 30)
    }

    @Test func noCgroupFilesMeansPhysicalMemory() {
        #expect(CgroupMemoryLimit.bytes(root: self.root + "/missing", selfCgroup: nil) == nil)
        #expect(MemoryMonitor.totalMemoryBytes().map { $0 > 0 } == true)
    }
}
