import Foundation
import JunctionStorage
import JunctionTestSupport
import Testing

/// `SegmentedLog.readHandle`: a read taken on the owner and run on another thread, across segments, that
/// still reads what it was given after the owner truncated (unlinked) and closed those segments.
@Suite struct StorageLogReadHandleTests {
    private func log(_ directory: TemporaryDirectory) throws -> SegmentedLog {
        try SegmentedLog(
            directory: directory.path,
            configuration: SegmentedLogConfiguration(maxSegmentBytes: 400, fsyncPolicy: .never))
    }

    @Test func readsARangeAcrossSegmentsOnAnotherThread() async throws {
        let directory = TemporaryDirectory()
        let log = try self.log(directory)
        for index in 0..<30 { _ = try log.append([entry("record-\(index)", at: 1)]) }
        #expect(log.segmentBaseOffsets.count > 3)
        let handle = try #require(try log.readHandle(from: LogOffset(3), through: LogOffset(22), maxBytes: .max))
        let records = try await Task.detached { try handle.run() }.value
        #expect(values(records) == (3...22).map { "record-\($0)" })
        #expect(records.map(\.offset) == (3...22).map { LogOffset(Int64($0)) })
    }

    @Test func theOwnerMayTruncateAndCloseWhileTheReadWaits() throws {
        let directory = TemporaryDirectory()
        let log = try self.log(directory)
        for index in 0..<30 { _ = try log.append([entry("record-\(index)", at: 1)]) }
        let handle = try #require(try log.readHandle(from: .zero, through: LogOffset(29), maxBytes: .max))
        // Buffered appends were written when the handle was taken; later ones are not in it.
        _ = try log.append([entry("later", at: 1)])
        try log.truncate(before: LogOffset(25))
        try log.close()
        #expect(values(try handle.run()) == (0..<30).map { "record-\($0)" })
    }

    @Test func maxBytesAndTheLogsEndBoundTheRead() throws {
        let directory = TemporaryDirectory()
        let log = try self.log(directory)
        for index in 0..<10 { _ = try log.append([entry("record-\(index)", at: 1)]) }
        let bounded = try #require(try log.readHandle(from: .zero, through: LogOffset(9), maxBytes: 20))
        #expect(values(try bounded.run()) == ["record-0", "record-1"])
        #expect(try log.readHandle(from: LogOffset(10), through: LogOffset(20), maxBytes: .max) == nil)
    }
}
