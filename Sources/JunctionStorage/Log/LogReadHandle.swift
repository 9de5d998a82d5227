import NIOCore

/// A read of records, taken on the log's owner and run on another thread (a read-ahead thread), so that
/// the owner's loop does no disk read for it. It reads duplicates of the segments' descriptors up to the
/// sizes the segments had when the handle was taken: those bytes never change (segments are only appended
/// to), and the owner may append, roll, truncate or close meanwhile (an unlinked file stays readable
/// through its duplicate).
public struct LogReadHandle: Sendable {
    private let body: @Sendable () throws -> [LogRecord]

    init(_ body: @escaping @Sendable () throws -> [LogRecord]) {
        self.body = body
    }

    /// The records, oldest first. Errors are `StorageError` (I/O, or `.corrupt` for a batch that fails its
    /// checks).
    public func run() throws -> [LogRecord] { try self.body() }
}

/// One segment's part of a `LogReadHandle`: where its reader starts, and up to which size.
private struct SegmentReadPlan: Sendable {
    let file: any LogFile & Sendable
    let fileSize: Int64
    let position: Int64
    let expectedOffset: LogOffset?
}

extension SegmentedLog {
    /// Reads of bigger chunks than the owner's (64 KiB): this runs off the loop, and a read-ahead window
    /// is up to megabytes.
    static let readHandleChunkBytes = 1 << 20

    /// The records from `offset` through `last` (at least one and at most `maxBytes` of keys and values) to
    /// be read by `LogReadHandle.run()` elsewhere. Nil when `offset` is outside the log or its file system
    /// cannot read on another thread: the caller reads on its own thread.
    public func readHandle(from offset: LogOffset, through last: LogOffset, maxBytes: Int) throws -> LogReadHandle? {
        var plans: [SegmentReadPlan] = []
        for segment in try self.segmentsForReading(from: offset, through: last) {
            guard let file = try segment.logFile.readOnlyDuplicate() else { return nil }
            let start = segment.reader(
                near: max(offset, segment.baseOffset), maxBatchSize: self.configuration.maxBatchBytes)
            plans.append(
                SegmentReadPlan(
                    file: file, fileSize: segment.size, position: start.position, expectedOffset: start.expectedOffset))
        }
        guard !plans.isEmpty else { return nil }
        let segments = plans
        let maxBatchSize = self.configuration.maxBatchBytes
        return LogReadHandle {
            var records: [LogRecord] = []
            var bytes = 0
            for plan in segments {
                var reader = SegmentBatchReader(
                    file: plan.file, fileSize: plan.fileSize, position: plan.position, maxBatchSize: maxBatchSize,
                    expectedOffset: plan.expectedOffset, chunkSize: Self.readHandleChunkBytes)
                let full = try reader.readRecords(
                    from: offset, through: last, maxRecords: .max, maxBytes: maxBytes, path: plan.file.path,
                    into: &records, bytes: &bytes)
                if full { break }
            }
            return records
        }
    }
}
