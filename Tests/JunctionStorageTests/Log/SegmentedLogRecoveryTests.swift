import JunctionStorage
import JunctionTestSupport
import NIOCore
import Testing

@Suite struct StorageSegmentedLogRecoveryTests {
    private let configuration = SegmentedLogConfiguration(
        maxSegmentBytes: 910, indexIntervalBytes: 150, fsyncPolicy: .never
    )

    /// 30 single-record batches of 70 bytes (13 per segment): segments at 0, 13, 26; then closed.
    private func populate(_ directory: TemporaryDirectory) throws {
        let log = try SegmentedLog(directory: directory.path, configuration: self.configuration)
        for index in 0..<30 { _ = try log.append([entry("m\(String(index + 10))", at: Int64(index))]) }
        #expect(log.segmentBaseOffsets == [LogOffset(0), LogOffset(13), LogOffset(26)])
        try log.close()
    }

    private func reopen(_ directory: TemporaryDirectory, verifyAll: Bool = false) throws -> SegmentedLog {
        var configuration = self.configuration
        configuration.verifyAllSegmentsOnOpen = verifyAll
        return try SegmentedLog(directory: directory.path, configuration: configuration)
    }

    private let last = "00000000000000000026.log"
    private let middle = "00000000000000000013.log"

    @Test func cleanReopenReportsNothing() throws {
        let directory = TemporaryDirectory()
        try self.populate(directory)
        let log = try self.reopen(directory, verifyAll: true)
        #expect(log.recoveryReport.isClean)
        #expect(log.recoveryReport.segmentsLoaded == 3)
        #expect(log.nextOffset == LogOffset(30))
    }

    @Test func truncatesATornTail() throws {
        let directory = TemporaryDirectory()
        try self.populate(directory)
        let bytes = try directory.bytes(self.last)
        try directory.write(self.last, Array(bytes.dropLast(10)))
        let log = try self.reopen(directory)
        #expect(
            log.recoveryReport.truncations == [
                RecoveryReport.Truncation(
                    segment: LogOffset(26), path: directory.file(self.last), reason: .truncatedBatch,
                    validBytes: 3 * 70, bytesTruncated: 70 - 10, batchesKept: 3
                )
            ]
        )
        #expect(log.nextOffset == LogOffset(29))
        #expect(try directory.bytes(self.last).count == 3 * 70)
        #expect(values(try log.read(from: LogOffset(27), maxRecords: 10, maxBytes: 1000)) == ["m37", "m38"])
        #expect(try log.append([entry("again", at: 99)]).firstOffset == LogOffset(29))
    }

    @Test func truncatesAtAFlippedByteInTheLastBatch() throws {
        let directory = TemporaryDirectory()
        try self.populate(directory)
        var bytes = try directory.bytes(self.last)
        bytes[bytes.count - 2] ^= 0x40
        try directory.write(self.last, bytes)
        let log = try self.reopen(directory)
        let truncation = try #require(log.recoveryReport.truncations.first)
        guard case .invalidBatch(.crcMismatch) = truncation.reason else {
            Issue.record("expected a CRC mismatch, got \(truncation.reason)")
            return
        }
        #expect(truncation.validBytes == 3 * 70)
        #expect(truncation.bytesTruncated == 70)
        #expect(truncation.batchesKept == 3)
        #expect(log.nextOffset == LogOffset(29))
    }

    @Test func rebuildsAMissingIndex() throws {
        let directory = TemporaryDirectory()
        try self.populate(directory)
        try FileManagerRemove(directory.file("00000000000000000013.index"))
        try FileManagerRemove(directory.file("00000000000000000026.timeindex"))
        let log = try self.reopen(directory)
        #expect(
            log.recoveryReport.indexRebuilds == [RecoveryReport.IndexRebuild(segment: LogOffset(13), problem: .missing)]
        )
        #expect(values(try log.read(from: LogOffset(20), maxRecords: 1, maxBytes: 1000)) == ["m30"])
        #expect(try log.offset(atOrAfter: 28) == LogOffset(28))
        #expect(directory.contents().contains("00000000000000000013.index"))
        #expect(try directory.bytes("00000000000000000013.index").count == 5 * 8)
    }

    @Test func rebuildsAGarbledIndex() throws {
        let directory = TemporaryDirectory()
        try self.populate(directory)
        let index = "00000000000000000013.index"
        let original = try directory.bytes(index)
        var garbled = original
        garbled[13] ^= 0xFF
        try directory.write(index, garbled)
        let log = try self.reopen(directory)
        #expect(
            log.recoveryReport.indexRebuilds == [RecoveryReport.IndexRebuild(segment: LogOffset(13), problem: .invalid)]
        )
        #expect(try directory.bytes(index) == original)
        #expect(values(try log.read(from: LogOffset(17), maxRecords: 2, maxBytes: 1000)) == ["m27", "m28"])
    }

    @Test func quarantinesACorruptMiddleSegment() throws {
        let directory = TemporaryDirectory()
        try self.populate(directory)
        var bytes = try directory.bytes(self.middle)
        bytes[5 * 70 + 50] ^= 0x01
        try directory.write(self.middle, bytes)
        let log = try self.reopen(directory, verifyAll: true)
        let quarantine = try #require(log.recoveryReport.quarantined.first)
        #expect(quarantine.segment == LogOffset(13))
        #expect(quarantine.position == 5 * 70)
        // What is lost: the whole set-aside file and the offsets up to the next segment.
        #expect(quarantine.bytes == Int64(bytes.count))
        #expect(quarantine.endOffset == LogOffset(26))
        #expect(quarantine.summary.contains("offsets 13..<26, bytes 0..<\(bytes.count) set aside"))
        #expect(quarantine.path == directory.file(self.middle + ".corrupt"))
        #expect(directory.contents().contains(self.middle + ".corrupt"))
        #expect(!directory.contents().contains(self.middle))
        #expect(log.segmentBaseOffsets == [LogOffset(0), LogOffset(26)])
        #expect(log.nextOffset == LogOffset(30))
        let records = try log.read(from: LogOffset(11), maxRecords: 4, maxBytes: 1000)
        #expect(records.map(\.offset) == [LogOffset(11), LogOffset(12), LogOffset(26), LogOffset(27)])
    }

    @Test func aFlippedByteAnywhereInTheLastSegmentKeepsOnlyVerifiedRecords() throws {
        let directory = TemporaryDirectory()
        try self.populate(directory)
        let original = try directory.bytes(self.last)
        for position in stride(from: 0, to: original.count, by: 3) {
            var bytes = original
            bytes[position] ^= 0x10
            try directory.write(self.last, bytes)
            let log = try self.reopen(directory)
            let kept = position / 70
            #expect(log.nextOffset == LogOffset(Int64(26 + kept)), "flipped byte \(position)")
            #expect(log.recoveryReport.truncations.first?.validBytes == Int64(kept * 70))
            let records = try log.read(from: LogOffset(26), maxRecords: 10, maxBytes: 1000)
            #expect(values(records) == (0..<kept).map { "m\(36 + $0)" })
            try log.close()
            try directory.write(self.last, original)
        }
    }

    @Test func aShortWriteFailsTheAppendAndNothingBecomesDurable() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        // The clock stands still, so the log does not try to repair itself (see StorageSegmentedLogFaultTests).
        let log = try SegmentedLog(
            directory: directory.path, configuration: self.configuration, fileSystem: fileSystem,
            clock: MillisecondClock().function)
        _ = try log.append([entry("kept", at: 1)])
        #expect(try log.sync() == LogOffset(1))
        fileSystem.fault = .shortWrite
        #expect(throws: StorageError.self) { _ = try log.append([entry("torn", at: 2)]) }
        #expect(log.nextOffset == LogOffset(1))
        #expect(log.durableOffset == LogOffset(1))
        fileSystem.fault = .none
        #expect(throws: StorageError.self) { _ = try log.append([entry("after", at: 3)]) }
        let reopened = try self.reopen(directory)
        #expect(reopened.recoveryReport.truncations.first?.bytesTruncated == Int64((43 + 24 + 4) / 2))
        #expect(reopened.nextOffset == LogOffset(1))
    }

    @Test func aFailedFsyncReportsNothingDurableAndStopsTheLog() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let log = try SegmentedLog(
            directory: directory.path, configuration: self.configuration, fileSystem: fileSystem,
            clock: MillisecondClock().function)
        _ = try log.append([entry("a", at: 1)])
        fileSystem.fault = .failedSync
        #expect(throws: StorageError.self) { try log.sync() }
        #expect(log.durableOffset == .zero)
        fileSystem.fault = .none
        #expect(throws: StorageError.self) { try log.sync() }
        #expect(log.durableOffset == .zero)
    }

    @Test func alwaysPolicyAppendFailsWhenFsyncFails() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        var configuration = self.configuration
        configuration.fsyncPolicy = .always
        let log = try SegmentedLog(directory: directory.path, configuration: configuration, fileSystem: fileSystem)
        fileSystem.fault = .failedSync
        #expect(throws: StorageError.self) { _ = try log.append([entry("a", at: 1)]) }
        #expect(log.durableOffset == .zero)
    }
}
