import Glibc
import JunctionStorage
import JunctionTestSupport
import NIOCore
import Testing

/// A full or failing disk under a `SegmentedLog`: appends and syncs fail (so publishers hear a nack), nothing
/// that was durable is lost, nothing unverified becomes durable, and the log repairs itself once the disk
/// takes writes again (`SegmentedLog.repairIntervalMilliseconds` after the failure).
@Suite struct StorageSegmentedLogFaultTests {
    private let first = "00000000000000000000.log"

    private func open(
        _ directory: TemporaryDirectory, _ fileSystem: FaultInjectingFileSystem, _ clock: MillisecondClock,
        writeBufferBytes: Int
    ) throws -> SegmentedLog {
        try SegmentedLog(
            directory: directory.path,
            configuration: SegmentedLogConfiguration(fsyncPolicy: .never, writeBufferBytes: writeBufferBytes),
            fileSystem: fileSystem, clock: clock.function)
    }

    private func reopen(_ directory: TemporaryDirectory) throws -> SegmentedLog {
        try SegmentedLog(directory: directory.path, configuration: SegmentedLogConfiguration(fsyncPolicy: .never))
    }

    private func append(_ log: SegmentedLog, _ texts: [String]) throws {
        for text in texts { _ = try log.append([entry(text, at: 1)]) }
    }

    static let writeFaults: [(FaultInjectingFileSystem.Fault, Int32)] = [
        (.shortWrite, ENOSPC), (.failedWrite, ENOSPC), (.shortWrite, EIO), (.failedWrite, EIO),
    ]

    @Test(arguments: Self.writeFaults, [0, 4096])
    func writeFailuresRefuseWorkUntilTheDiskRecovers(
        fault: (FaultInjectingFileSystem.Fault, Int32), writeBufferBytes: Int
    ) throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let clock = MillisecondClock()
        let log = try self.open(directory, fileSystem, clock, writeBufferBytes: writeBufferBytes)
        try self.append(log, ["c0", "c1", "c2"])
        #expect(try log.sync() == LogOffset(3))

        (fileSystem.fault, fileSystem.errno) = fault
        var accepted = ["c0", "c1", "c2"]
        if writeBufferBytes == 0 {
            // The write is due at once: the append fails and is not counted.
            #expect(throws: StorageError.self) { _ = try log.append([entry("refused", at: 1)]) }
            #expect(log.nextOffset == LogOffset(3))
        } else {
            // Buffered: accepted, and it fails when the burst's bytes are written.
            try self.append(log, ["buffered"])
            accepted.append("buffered")
            #expect(throws: StorageError.self) { try log.writeBuffered() }
        }
        #expect(log.isFailed)
        #expect(throws: StorageError.self) { try log.sync() }
        #expect(throws: StorageError.self) { _ = try log.append([entry("while-failed", at: 1)]) }
        #expect(log.durableOffset == LogOffset(3))

        // The disk is still full at the next repair: an append (which must write) still fails, and nothing
        // more becomes durable.
        clock.now += SegmentedLog.repairIntervalMilliseconds
        #expect(throws: StorageError.self) { _ = try log.append([entry("still-full", at: 1)]) }
        #expect(log.isFailed)
        #expect(log.durableOffset == LogOffset(3))

        // The disk recovers: the next sync repairs the log, and appends go on from where they were.
        fileSystem.fault = .none
        clock.now += SegmentedLog.repairIntervalMilliseconds
        #expect(try log.sync() == LogOffset(Int64(accepted.count)))
        #expect(!log.isFailed)
        try self.append(log, ["after"])
        accepted.append("after")
        #expect(try log.sync() == LogOffset(Int64(accepted.count)))
        #expect(values(try log.read(from: .zero, maxRecords: 10, maxBytes: 1 << 20)) == accepted)
        try log.close()

        let reopened = try self.reopen(directory)
        #expect(reopened.recoveryReport.quarantined.isEmpty)
        #expect(values(try reopened.read(from: .zero, maxRecords: 10, maxBytes: 1 << 20)) == accepted)
    }

    @Test(arguments: [EIO, ENOSPC], [0, 4096])
    func aFailedFsyncIsRepairedByWritingAgainWhatItCovered(errno: Int32, writeBufferBytes: Int) throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let clock = MillisecondClock()
        let log = try self.open(directory, fileSystem, clock, writeBufferBytes: writeBufferBytes)
        try self.append(log, ["c0", "c1"])
        #expect(try log.sync() == LogOffset(2))
        try self.append(log, ["u2", "u3"])
        try log.writeBuffered()
        (fileSystem.fault, fileSystem.errno) = (.failedSync, errno)
        #expect(throws: StorageError.self) { try log.sync() }
        #expect(log.durableOffset == LogOffset(2))

        fileSystem.fault = .none
        // Within the repair interval the log stays failed, and a refused append costs no write.
        let writes = fileSystem.logWrites
        #expect(throws: StorageError.self) { _ = try log.append([entry("refused", at: 1)]) }
        #expect(fileSystem.logWrites == writes)

        // Another fsync alone could succeed without writing pages the kernel already gave up on: the
        // repair writes the unsynced bytes again before it syncs.
        clock.now += SegmentedLog.repairIntervalMilliseconds
        #expect(try log.sync() == LogOffset(4))
        #expect(fileSystem.logWrites > writes)
        try log.close()
        let reopened = try self.reopen(directory)
        #expect(reopened.recoveryReport.isClean)
        #expect(values(try reopened.read(from: .zero, maxRecords: 10, maxBytes: 1 << 20)) == ["c0", "c1", "u2", "u3"])
    }

    @Test func bytesThatNoLongerVerifyAreNeverReportedDurable() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let clock = MillisecondClock()
        let log = try self.open(directory, fileSystem, clock, writeBufferBytes: 0)
        try self.append(log, ["c0"])
        #expect(try log.sync() == LogOffset(1))
        let durableBytes = try directory.bytes(self.first).count
        try self.append(log, ["u1"])
        fileSystem.fault = .failedSync
        #expect(throws: StorageError.self) { try log.sync() }
        // What the page cache holds for the unsynced batch is not what was written (the pages were lost).
        let file = try PosixLogFileSystem().open(directory.file(self.first), create: false)
        try file.write(ByteBuffer(repeating: 0xEE, count: 8), at: Int64(durableBytes) + 20)
        try file.close()

        fileSystem.fault = .none
        clock.now += SegmentedLog.repairIntervalMilliseconds
        let error = #expect(throws: StorageError.self) { try log.sync() }
        #expect(error?.kind == .logFailed)
        #expect(log.durableOffset == LogOffset(1))
        #expect(log.isFailed)

        // A restart keeps what was durable and cuts the batch that no longer verifies.
        let reopened = try self.reopen(directory)
        #expect(values(try reopened.read(from: .zero, maxRecords: 10, maxBytes: 1 << 20)) == ["c0"])
        #expect(reopened.recoveryReport.truncations.count == 1)
    }
}
