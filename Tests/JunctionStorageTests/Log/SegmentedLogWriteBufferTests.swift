import JunctionStorage
import JunctionTestSupport
import NIOCore
import Testing

/// `writeBufferBytes`: appends wait in memory and go out in one write, and nothing about the files,
/// recovery or failure handling differs from a log that writes every append at once.
@Suite struct StorageSegmentedLogWriteBufferTests {
    /// 910-byte segments of thirteen 70-byte single-record batches, as in the recovery tests.
    private func configuration(writeBufferBytes: Int) -> SegmentedLogConfiguration {
        SegmentedLogConfiguration(
            maxSegmentBytes: 910, indexIntervalBytes: 150, fsyncPolicy: .never, writeBufferBytes: writeBufferBytes)
    }

    private let first = "00000000000000000000.log"

    @Test func appendsOfOneBurstCostOneWrite() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let log = try SegmentedLog(
            directory: directory.path, configuration: self.configuration(writeBufferBytes: 64 * 1024),
            fileSystem: fileSystem)
        for index in 0..<10 { _ = try log.append([entry("m\(index + 10)", at: Int64(index))]) }
        #expect(fileSystem.logWrites == 0)
        #expect(try directory.bytes(self.first).isEmpty)
        try log.writeBuffered()
        #expect(fileSystem.logWrites == 1)
        #expect(try directory.bytes(self.first).count == 10 * 70)
        try log.writeBuffered()
        #expect(fileSystem.logWrites == 1)
    }

    @Test(arguments: [true, false]) func rollsFsyncOnlyWhenSealedSegmentsAreSynced(_ syncs: Bool) throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        var configuration = self.configuration(writeBufferBytes: 4096)
        configuration.syncsSealedSegments = syncs
        let log = try SegmentedLog(directory: directory.path, configuration: configuration, fileSystem: fileSystem)
        // Forty batches roll three times.
        for index in 0..<40 { _ = try log.append([entry("m\(index + 10)", at: Int64(index))]) }
        #expect(log.segmentBaseOffsets.count == 4)
        #expect(fileSystem.logSyncs == (syncs ? 3 : 0))
        #expect(values(try log.read(from: LogOffset(0), maxRecords: 100, maxBytes: 1 << 20)).count == 40)
    }

    @Test func aFullBufferIsWrittenWithoutBeingAsked() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let log = try SegmentedLog(
            directory: directory.path, configuration: self.configuration(writeBufferBytes: 200), fileSystem: fileSystem)
        for index in 0..<10 { _ = try log.append([entry("m\(index + 10)", at: Int64(index))]) }
        // Written at 210 and 420 and 630 bytes: what is left is one batch.
        #expect(fileSystem.logWrites == 3)
        #expect(try directory.bytes(self.first).count == 9 * 70)
    }

    @Test func readsAndTimestampLookupsSeeBufferedAppends() throws {
        let directory = TemporaryDirectory()
        let log = try SegmentedLog(directory: directory.path, configuration: self.configuration(writeBufferBytes: 4096))
        for index in 0..<5 { _ = try log.append([entry("m\(index + 10)", at: Int64(index) * 10)]) }
        #expect(values(try log.read(from: LogOffset(3), maxRecords: 10, maxBytes: 1000)) == ["m13", "m14"])
        _ = try log.append([entry("m15", at: 50)])
        #expect(try log.offset(atOrAfter: 45) == LogOffset(5))
    }

    @Test func writtenAppendsSurviveAProcessCrashAndBufferedOnesDoNot() throws {
        let directory = TemporaryDirectory()
        let log = try SegmentedLog(directory: directory.path, configuration: self.configuration(writeBufferBytes: 4096))
        for index in 0..<3 { _ = try log.append([entry("m\(index + 10)", at: Int64(index))]) }
        try log.writeBuffered()
        _ = try log.append([entry("lost", at: 9)])
        // Opening the directory again without closing the first log is what a kill -9 leaves behind.
        let reopened = try SegmentedLog(
            directory: directory.path, configuration: self.configuration(writeBufferBytes: 0))
        #expect(reopened.nextOffset == LogOffset(3))
        #expect(values(try reopened.read(from: .zero, maxRecords: 10, maxBytes: 1000)) == ["m10", "m11", "m12"])
        withExtendedLifetime(log) {}
    }

    @Test func filesAreByteForByteThoseOfAnUnbufferedLog() throws {
        var contents: [[String: [UInt8]]] = []
        for writeBufferBytes in [0, 100, 64 * 1024] {
            let directory = TemporaryDirectory()
            let log = try SegmentedLog(
                directory: directory.path, configuration: self.configuration(writeBufferBytes: writeBufferBytes))
            for index in 0..<30 { _ = try log.append([entry("m\(index + 10)", at: Int64(index))]) }
            #expect(log.segmentBaseOffsets == [LogOffset(0), LogOffset(13), LogOffset(26)])
            try log.close()
            var files: [String: [UInt8]] = [:]
            for name in directory.contents() { files[name] = try directory.bytes(name) }
            contents.append(files)
            let reopened = try SegmentedLog(
                directory: directory.path,
                configuration: SegmentedLogConfiguration(
                    maxSegmentBytes: 910, indexIntervalBytes: 150, fsyncPolicy: .never,
                    verifyAllSegmentsOnOpen: true))
            #expect(reopened.recoveryReport.isClean)
            #expect(values(try reopened.read(from: LogOffset(20), maxRecords: 2, maxBytes: 1000)) == ["m30", "m31"])
        }
        #expect(contents[1] == contents[0])
        #expect(contents[2] == contents[0])
        #expect(contents[0].keys.contains { $0.hasSuffix(".index") })
    }

    @Test func aShortWriteOfTheBufferFailsTheLogAndRecoveryKeepsTheWrittenPrefix() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        // The clock stands still, so the log does not try to repair itself (see StorageSegmentedLogFaultTests).
        let log = try SegmentedLog(
            directory: directory.path, configuration: self.configuration(writeBufferBytes: 4096),
            fileSystem: fileSystem, clock: MillisecondClock().function)
        _ = try log.append([entry("kept", at: 1)])
        #expect(try log.sync() == LogOffset(1))
        _ = try log.append([entry("torn1", at: 2)])
        _ = try log.append([entry("torn2", at: 3)])
        fileSystem.fault = .shortWrite
        #expect(throws: StorageError.self) { try log.writeBuffered() }
        fileSystem.fault = .none
        #expect(log.durableOffset == LogOffset(1))
        #expect(throws: StorageError.self) { try log.sync() }
        #expect(throws: StorageError.self) { _ = try log.append([entry("after", at: 4)]) }
        #expect(log.durableOffset == LogOffset(1))
        // Half the buffer reached the file: the first of the two equal batches, whole. Recovery keeps what
        // is whole and checksummed; nothing past `kept` was ever reported durable.
        let reopened = try SegmentedLog(
            directory: directory.path, configuration: self.configuration(writeBufferBytes: 0))
        #expect(reopened.nextOffset == LogOffset(2))
        #expect(values(try reopened.read(from: .zero, maxRecords: 10, maxBytes: 1000)) == ["kept", "torn1"])
    }

    @Test func aFailedFsyncAfterTheBufferWasWrittenReportsNothingDurable() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let log = try SegmentedLog(
            directory: directory.path, configuration: self.configuration(writeBufferBytes: 4096),
            fileSystem: fileSystem)
        _ = try log.append([entry("a", at: 1)])
        fileSystem.fault = .failedSync
        #expect(throws: StorageError.self) { try log.sync() }
        #expect(log.durableOffset == .zero)
        #expect(try directory.bytes(self.first).count > 0)
    }
}
