import JunctionStorage
import JunctionTestSupport
import NIOCore
import Testing

@Suite struct StorageSegmentedLogTests {
    private func segmentFiles(_ directory: TemporaryDirectory) -> [String] {
        directory.contents().filter { $0.hasSuffix(".log") }
    }

    @Test func namesSegmentsByZeroPaddedBaseOffset() throws {
        let directory = TemporaryDirectory()
        let log = try SegmentedLog(directory: directory.path)
        #expect(
            directory.contents() == [
                "00000000000000000000.index", "00000000000000000000.log", "00000000000000000000.timeindex",
            ]
        )
        try log.close()
    }

    /// A record appended with its value written in place reads back as one appended as an entry, takes the
    /// next offset, and one over `max_batch_bytes` is refused with nothing appended.
    @Test func appendsOneRecordWrittenInPlace() throws {
        let directory = TemporaryDirectory()
        let configuration = SegmentedLogConfiguration(maxBatchBytes: 200, fsyncPolicy: .never)
        let log = try SegmentedLog(directory: directory.path, configuration: configuration)
        _ = try log.append([entry("first", at: 5)])
        let result = try log.append(timestamp: 6) { $0.writeString("second") }
        #expect(result.firstOffset == LogOffset(1))
        #expect(result.lastOffset == LogOffset(1))
        #expect(throws: StorageError.self) {
            try log.append(timestamp: 7) { $0.writeString(String(repeating: "x", count: 200)) }
        }
        #expect(log.nextOffset == LogOffset(2))
        let records = try log.read(from: LogOffset(0), maxRecords: 10, maxBytes: 1 << 20)
        #expect(records.map { String(buffer: $0.value) } == ["first", "second"])
        #expect(records.map(\.timestamp) == [5, 6])
        try log.close()
    }

    @Test func rollsBySize() throws {
        let directory = TemporaryDirectory()
        let configuration = SegmentedLogConfiguration(maxSegmentBytes: 200, fsyncPolicy: .never)
        let log = try SegmentedLog(directory: directory.path, configuration: configuration)
        for index in 0..<10 { _ = try log.append([entry("message-\(index)", at: 1)]) }
        // Each batch is 43 + 24 + 9 = 76 bytes, so two fit in 200.
        #expect(log.segmentBaseOffsets == [0, 2, 4, 6, 8].map { LogOffset($0) })
        #expect(self.segmentFiles(directory).first == "00000000000000000000.log")
        #expect(self.segmentFiles(directory).last == "00000000000000000008.log")
        #expect(
            values(try log.read(from: LogOffset(3), maxRecords: 3, maxBytes: 1000)) == [
                "message-3", "message-4", "message-5",
            ])
        #expect(log.durableOffset == LogOffset(8))
    }

    @Test func rollsByAgeWithTheInjectedClock() throws {
        let directory = TemporaryDirectory()
        let clock = MillisecondClock()
        let configuration = SegmentedLogConfiguration(maxSegmentAgeMilliseconds: 1000, fsyncPolicy: .never)
        let log = try SegmentedLog(directory: directory.path, configuration: configuration, clock: clock.function)
        _ = try log.append([entry("a", at: clock.now)])
        clock.now += 999
        _ = try log.append([entry("b", at: clock.now)])
        #expect(log.segmentBaseOffsets == [LogOffset(0)])
        clock.now += 1
        _ = try log.append([entry("c", at: clock.now)])
        #expect(log.segmentBaseOffsets == [LogOffset(0), LogOffset(2)])
    }

    @Test func retentionDeletesSegmentsOlderThanMaxAge() throws {
        let directory = TemporaryDirectory()
        let clock = MillisecondClock(0)
        let configuration = SegmentedLogConfiguration(
            maxSegmentBytes: 100, fsyncPolicy: .never, retentionMilliseconds: 5000
        )
        let log = try SegmentedLog(directory: directory.path, configuration: configuration, clock: clock.function)
        for index in 0..<4 { _ = try log.append([entry("m\(index)", at: 1000 + Int64(index) * 2000)]) }
        #expect(log.segmentBaseOffsets.count == 4)
        clock.now = 10_000
        #expect(try log.enforceRetention() == [LogOffset(0), LogOffset(1)])
        #expect(log.firstOffset == LogOffset(2))
        #expect(values(try log.read(from: .zero, maxRecords: 10, maxBytes: 1000)) == ["m2", "m3"])
        #expect(!directory.contents().contains("00000000000000000000.log"))
        clock.now = 1_000_000
        #expect(try log.enforceRetention() == [LogOffset(2)])
        #expect(log.segmentBaseOffsets == [LogOffset(3)])
    }

    @Test func retentionDeletesOldestSegmentsBeyondMaxBytes() throws {
        let directory = TemporaryDirectory()
        let configuration = SegmentedLogConfiguration(maxSegmentBytes: 100, fsyncPolicy: .never, retentionBytes: 150)
        let log = try SegmentedLog(directory: directory.path, configuration: configuration)
        for index in 0..<5 { _ = try log.append([entry("m\(index)", at: 1)]) }
        #expect(log.segmentBaseOffsets == [LogOffset(2), LogOffset(3), LogOffset(4)])
        #expect(try log.enforceRetention() == [LogOffset(2)])
        #expect(log.segmentBaseOffsets == [LogOffset(3), LogOffset(4)])
        #expect(log.sizeInBytes <= 150)
        #expect(log.firstOffset == LogOffset(3))
    }

    @Test func alwaysPolicyMakesEachAppendDurable() throws {
        let directory = TemporaryDirectory()
        let log = try SegmentedLog(
            directory: directory.path, configuration: SegmentedLogConfiguration(fsyncPolicy: .always)
        )
        let result = try log.append([entry("a", at: 1)])
        #expect(result.isDurable)
        #expect(result.durableOffset == LogOffset(1))
    }

    @Test func neverPolicyAdvancesTheWatermarkOnlyOnSync() throws {
        let directory = TemporaryDirectory()
        let log = try SegmentedLog(
            directory: directory.path, configuration: SegmentedLogConfiguration(fsyncPolicy: .never)
        )
        let result = try log.append([entry("a", at: 1), entry("b", at: 1)])
        #expect(!result.isDurable)
        #expect(result.durableOffset == .zero)
        #expect(log.durableOffset == .zero)
        #expect(try log.sync() == LogOffset(2))
        #expect(log.durableOffset == LogOffset(2))
    }

    @Test func observersHearAdvancesMadeByAppendsAtTheNextSync() throws {
        let directory = TemporaryDirectory()
        let log = try SegmentedLog(
            directory: directory.path, configuration: SegmentedLogConfiguration(fsyncPolicy: .always)
        )
        var heard: [LogOffset] = []
        log.addDurabilityObserver { heard.append($0) }
        #expect(try log.append([entry("a", at: 1)]).durableOffset == LogOffset(1))
        #expect(heard.isEmpty)
        #expect(try log.sync() == LogOffset(1))
        #expect(heard == [LogOffset(1)])
    }

    @Test func aClosedLogRefusesCalls() throws {
        let directory = TemporaryDirectory()
        let log = try SegmentedLog(directory: directory.path)
        _ = try log.append([entry("a", at: 1)])
        try log.close()
        try log.close()
        #expect(throws: StorageError.self) { _ = try log.append([entry("b", at: 1)]) }
        #expect(throws: StorageError.self) { _ = try log.read(from: .zero, maxRecords: 1, maxBytes: 1) }
    }

    @Test func intervalPolicyGroupCommitsWhenTheIntervalHasPassed() throws {
        let directory = TemporaryDirectory()
        let clock = MillisecondClock()
        let log = try SegmentedLog(
            directory: directory.path,
            configuration: SegmentedLogConfiguration(fsyncPolicy: .interval(milliseconds: 50)),
            clock: clock.function
        )
        #expect(try log.append([entry("a", at: 1)]).durableOffset == .zero)
        clock.now += 49
        #expect(try log.append([entry("b", at: 1)]).durableOffset == .zero)
        clock.now += 1
        let third = try log.append([entry("c", at: 1)])
        #expect(third.durableOffset == LogOffset(3))
        #expect(try log.append([entry("d", at: 1)]).durableOffset == LogOffset(3))
        #expect(try log.sync() == LogOffset(4))
    }

    @Test func findsTheOldestSegmentWithRecordsSinceATimeWithoutReading() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let configuration = SegmentedLogConfiguration(maxSegmentBytes: 400, indexIntervalBytes: 100)
        let log = try SegmentedLog(directory: directory.path, configuration: configuration, fileSystem: fileSystem)
        for index in 0..<50 { _ = try log.append([entry("m\(index)", at: Int64(index) * 10)]) }
        let bases = log.segmentBaseOffsets
        #expect(bases.count > 3)
        fileSystem.logBytesRead = 0
        // The segment holding the record stamped 250 (offset 25) is the answer, and records before 25 in it.
        let holding = try #require(bases.last { $0 <= LogOffset(25) })
        #expect(log.firstSegmentBaseOffset(withRecordsSince: 250) == holding)
        #expect(log.firstSegmentBaseOffset(withRecordsSince: 0) == .zero)
        #expect(log.firstSegmentBaseOffset(withRecordsSince: 10_000) == log.nextOffset)
        #expect(fileSystem.logBytesRead == 0)
    }

    @Test func reopensWithTheSameRecordsAndStartOffset() throws {
        let directory = TemporaryDirectory()
        let configuration = SegmentedLogConfiguration(maxSegmentBytes: 400, indexIntervalBytes: 100)
        let log = try SegmentedLog(directory: directory.path, configuration: configuration)
        for index in 0..<50 { _ = try log.append([entry("m\(index)", at: Int64(index))]) }
        try log.truncate(before: LogOffset(12))
        try log.close()
        let reopened = try SegmentedLog(directory: directory.path, configuration: configuration)
        #expect(reopened.recoveryReport.isClean)
        #expect(reopened.firstOffset == LogOffset(12))
        #expect(reopened.nextOffset == LogOffset(50))
        #expect(reopened.durableOffset == LogOffset(50))
        #expect(
            values(try reopened.read(from: .zero, maxRecords: 100, maxBytes: 1 << 20)) == (12..<50).map { "m\($0)" })
        #expect(try reopened.offset(atOrAfter: 30) == LogOffset(30))
        #expect(try reopened.append([entry("m50", at: 50)]).firstOffset == LogOffset(50))
    }

    @Test func refusesBatchesAboveTheLimit() throws {
        let directory = TemporaryDirectory()
        let log = try SegmentedLog(
            directory: directory.path, configuration: SegmentedLogConfiguration(maxBatchBytes: 100)
        )
        let big = LogEntry(timestamp: 1, value: ByteBuffer(repeating: 0, count: 100))
        #expect(throws: StorageError.self) { _ = try log.append([big]) }
        #expect(log.nextOffset == .zero)
        #expect(try log.append([entry("small", at: 1)]).firstOffset == .zero)
    }
}

@Suite struct StorageSegmentedLogIndexedReadTests {
    /// One 1.3 MB segment of 2500 single-record batches, 500-byte values, timestamps 0, 10, 20, ….
    private func populate(
        _ directory: TemporaryDirectory, _ fileSystem: FaultInjectingFileSystem
    ) throws
        -> SegmentedLog
    {
        let log = try SegmentedLog(
            directory: directory.path,
            configuration: SegmentedLogConfiguration(indexIntervalBytes: 4096, fsyncPolicy: .never),
            fileSystem: fileSystem
        )
        let value = ByteBuffer(repeating: 0x61, count: 500)
        for index in 0..<2500 { _ = try log.append([LogEntry(timestamp: Int64(index) * 10, value: value)]) }
        #expect(log.segmentBaseOffsets == [.zero])
        #expect(log.sizeInBytes > 1_000_000)
        return log
    }

    @Test func readsByOffsetStartNearTheIndexedBatchNotAtTheSegmentStart() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let log = try self.populate(directory, fileSystem)
        fileSystem.logBytesRead = 0
        let records = try log.read(from: LogOffset(2400), maxRecords: 1, maxBytes: 1 << 20)
        #expect(records.map(\.offset) == [LogOffset(2400)])
        #expect(fileSystem.logBytesRead <= 64 * 1024 + 4096)
    }

    @Test func timestampLookupsStartNearTheIndexedBatchNotAtTheSegmentStart() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let log = try self.populate(directory, fileSystem)
        fileSystem.logBytesRead = 0
        #expect(try log.offset(atOrAfter: 23_995) == LogOffset(2400))
        #expect(fileSystem.logBytesRead <= 64 * 1024 + 4096)
    }
}
