import FuzzSupport
import JunctionStorage
import NIOCore

/// The log every input corrupts, written once through `SegmentedLog` itself.
enum RealLog {
    static let directory = "/queue"
    static let firstTimestamp: Int64 = 1_700_000_000_000
    static let now: Int64 = 1_700_000_100_000

    /// `defersSegmentFileWork`: the queue logs' mode, whose recovery scans the last two segments and drops
    /// a last segment that follows a torn tail.
    static func configuration(
        verifyAllSegmentsOnOpen: Bool, defersSegmentFileWork: Bool = false
    )
        -> SegmentedLogConfiguration
    {
        // Small segments and a dense index: a few kilobytes of log hold several segments and many index entries.
        var configuration = SegmentedLogConfiguration(
            maxSegmentBytes: 2048,
            indexIntervalBytes: 128,
            maxBatchBytes: 64 * 1024,
            fsyncPolicy: .always,
            verifyAllSegmentsOnOpen: verifyAllSegmentsOnOpen
        )
        configuration.defersSegmentFileWork = defersSegmentFileWork
        return configuration
    }

    /// The records written, by offset.
    nonisolated(unsafe) static var records: [LogOffset: LogRecord] = [:]

    nonisolated(unsafe) static let pristine: MemoryFileSystem = {
        let fileSystem = MemoryFileSystem()
        do {
            let log = try SegmentedLog(
                directory: Self.directory, configuration: Self.configuration(verifyAllSegmentsOnOpen: false),
                fileSystem: fileSystem, clock: { Self.now })
            for batch in 0..<40 {
                let entries = (0...(batch % 3)).map { record in
                    LogEntry(
                        timestamp: Self.firstTimestamp + Int64(batch * 10 + record),
                        key: batch % 4 == 0 ? nil : ByteBuffer(string: "key-\(batch)"),
                        value: ByteBuffer(
                            string: String(repeating: "message \(batch).\(record) ", count: 1 + batch % 5))
                    )
                }
                _ = try log.append(entries, attributes: UInt16(batch % 2), leaderEpoch: Int32(batch / 10))
            }
            _ = try log.sync()
            try log.truncate(before: LogOffset(3))
            for record in try log.read(from: .zero, maxRecords: 10_000, maxBytes: 1 << 30) {
                Self.records[record.offset] = record
            }
            try log.close()
        } catch {
            fatalError("cannot write the log to corrupt: \(error)")
        }
        fuzzCheck(fileSystem.paths.count > 6, "the log to corrupt has one segment only: \(fileSystem.paths)")
        return fileSystem
    }()
}
