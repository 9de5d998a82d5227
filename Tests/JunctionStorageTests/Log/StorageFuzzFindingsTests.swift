import JunctionStorage
import NIOCore
import Testing

/// What fuzzing the segment reader and recovery found (`Fuzz/`, targets `FuzzSegmentRecovery` and
/// `FuzzRecordBatch`). A batch's base offset lies outside its CRC (the log assigns it on append), so a corrupt one
/// passes the checksum; and recovery can leave a log's end below its log-start-offset checkpoint.
@Suite struct StorageFuzzFindingsTests {
    private func batch(baseOffset: Int64) -> ByteBuffer {
        var buffer = ByteBuffer()
        RecordBatch.encode(
            [entry("a", at: 1000), entry("b", at: 1001)], baseOffset: LogOffset(7), attributes: 0, leaderEpoch: 0,
            into: &buffer)
        buffer.setInteger(baseOffset, at: buffer.readerIndex)
        return buffer
    }

    /// Before: the last record's offset (base + 1) overflowed and trapped, on any read of such a batch.
    @Test(arguments: [Int64.max, Int64.max - 1, -1, Int64.min])
    func baseOffsetWithoutRoomForTheRecordsIsRefused(_ baseOffset: Int64) {
        var buffer = self.batch(baseOffset: baseOffset)
        #expect(throws: RecordBatchDecodingError.invalidBaseOffset(baseOffset)) {
            _ = try RecordBatch.decode(&buffer)
        }
    }

    @Test func largestBaseOffsetWithRoomForTheRecordsDecodes() throws {
        var buffer = self.batch(baseOffset: Int64.max - 2)
        let decoded = try #require(try RecordBatch.decode(&buffer))
        #expect(decoded.records.map(\.offset) == [LogOffset(Int64.max - 2), LogOffset(Int64.max - 1)])
    }

    /// The fuzzer's input, on disk: one byte of a batch's base offset in a sealed segment whose indexes are
    /// trusted at open (only the batches after the last index entry are walked). Before: the read served that
    /// batch's records under offsets past the end of the log (here 0x00FF000000000002) and skipped the rest.
    @Test func corruptBaseOffsetInATrustedSegmentIsACorruptionError() throws {
        let directory = TemporaryDirectory()
        let configuration = SegmentedLogConfiguration(maxSegmentBytes: 300, indexIntervalBytes: 1, fsyncPolicy: .always)
        var firstBatchSize = 0
        do {
            let log = try SegmentedLog(directory: directory.path, configuration: configuration)
            for index in 0..<8 {
                _ = try log.append(
                    [entry("m\(index)a", at: 1000), entry("m\(index)b", at: 1001)], attributes: 0, leaderEpoch: 0)
                if index == 0 { firstBatchSize = Int(log.sizeInBytes) }
            }
            #expect(log.segmentBaseOffsets.count > 1)
            try log.close()
        }
        let segment = "00000000000000000000.log"
        var bytes = try directory.bytes(segment)
        // The second batch (base offset 2): set the second-highest byte of its base offset.
        bytes[firstBatchSize + 1] = 0xFF
        try directory.write(segment, bytes)

        let log = try SegmentedLog(directory: directory.path, configuration: configuration)
        #expect(log.recoveryReport.isClean)
        #expect(throws: StorageError.self) { _ = try log.read(from: .zero, maxRecords: 100, maxBytes: 1 << 20) }
        #expect(throws: StorageError.self) { _ = try log.read(from: LogOffset(2), maxRecords: 100, maxBytes: 1 << 20) }
        // The next segment still reads.
        let next = log.segmentBaseOffsets[1]
        #expect(try log.read(from: next, maxRecords: 1, maxBytes: 1 << 20).map(\.offset) == [next])
        try log.close()
    }

    /// The fuzzer's input lost the tail of the only segment below the checkpoint. Before: the log reopened with
    /// its end (1) below its start (3), the next append took offset 1, and the opening after hid it below the
    /// start (first offset 2): an acknowledged record vanished.
    @Test func recoveryBelowTheLogStartGoesOnFromTheStart() throws {
        let directory = TemporaryDirectory()
        let configuration = SegmentedLogConfiguration(fsyncPolicy: .always)
        var firstBatchSize = 0
        do {
            let log = try SegmentedLog(directory: directory.path, configuration: configuration)
            for index in 0..<5 {
                _ = try log.append([entry("m\(index)", at: 1000)], attributes: 0, leaderEpoch: 0)
                if index == 0 { firstBatchSize = Int(log.sizeInBytes) }
            }
            try log.truncate(before: LogOffset(3))
            try log.close()
        }
        // A torn tail: only the first batch and half of the second survive.
        let segment = "00000000000000000000.log"
        let bytes = try directory.bytes(segment)
        try directory.write(segment, Array(bytes[..<(firstBatchSize + firstBatchSize / 2)]))

        let recovered = try SegmentedLog(directory: directory.path, configuration: configuration)
        #expect(recovered.firstOffset == LogOffset(3))
        #expect(recovered.nextOffset == LogOffset(3))
        let appended = try recovered.append([entry("after", at: 2000)], attributes: 0, leaderEpoch: 0)
        #expect(appended.firstOffset == LogOffset(3))
        try recovered.close()

        let reopened = try SegmentedLog(directory: directory.path, configuration: configuration)
        let records = try reopened.read(from: .zero, maxRecords: 10, maxBytes: 1 << 20)
        #expect(records.map(\.offset) == [LogOffset(3)])
        #expect(values(records) == ["after"])
        try reopened.close()
    }
}
