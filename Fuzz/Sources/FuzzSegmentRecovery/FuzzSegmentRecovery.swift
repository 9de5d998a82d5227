import FuzzSupport
import JunctionStorage
import NIOCore

/// Random corruption of a real log: a `SegmentedLog` of several segments (with offset and time indexes and a
/// log-start-offset checkpoint) is written once into a file system in memory; each input is a list of
/// corruptions of its files (`SegmentCorruption`). The log is then opened, which recovers it, read from start
/// to end, searched by time, appended to and opened again. Nothing may crash, every record read must be the
/// record written at that offset, and the second opening must read what the first one left.
@main
enum FuzzSegmentRecovery {
    static func main() {
        _ = RealLog.pristine
        FuzzDriver.run { data, count in
            let input = UnsafeBufferPointer(start: data, count: count)
            guard let flags = input.first else { return 0 }
            let fileSystem = MemoryFileSystem(copying: RealLog.pristine)
            SegmentCorruption.apply(input.dropFirst(), to: fileSystem)
            let configuration = RealLog.configuration(
                verifyAllSegmentsOnOpen: flags & 1 == 1, defersSegmentFileWork: flags & 2 == 2)
            Self.recover(fileSystem, configuration: configuration)
            return 0
        }
    }

    static func recover(_ fileSystem: MemoryFileSystem, configuration: SegmentedLogConfiguration) {
        guard
            let log = try? SegmentedLog(
                directory: RealLog.directory, configuration: configuration, fileSystem: fileSystem,
                clock: { RealLog.now })
        else { return }
        let recoveredEnd = log.nextOffset
        let recoveredSegments = log.segmentBaseOffsets
        let first = Self.readAll(log, writtenBefore: recoveredEnd)
        _ = try? log.offset(atOrAfter: RealLog.firstTimestamp + 25)
        _ = try? log.offset(atOrAfter: .max)
        let appended = try? log.append(
            [LogEntry(timestamp: RealLog.now, value: ByteBuffer(string: "after recovery"))], attributes: 0,
            leaderEpoch: 0)
        _ = try? log.sync()
        try? log.close()
        guard
            let reopened = try? SegmentedLog(
                directory: RealLog.directory, configuration: configuration, fileSystem: fileSystem,
                clock: { RealLog.now })
        else {
            fuzzCheck(false, "a recovered log does not open again")
            return
        }
        let second = Self.readAll(reopened, writtenBefore: recoveredEnd)
        if let appended {
            let read = try? reopened.read(from: appended.firstOffset, maxRecords: 1, maxBytes: 1024)
            fuzzCheck(
                read?.first?.offset == appended.firstOffset
                    && read?.first?.value == ByteBuffer(string: "after recovery"),
                "the record appended after recovery at \(appended.firstOffset) is lost (segments after recovery: "
                    + "\(recoveredSegments), reopened: \(reopened.segmentBaseOffsets) to \(reopened.nextOffset), "
                    + "\(reopened.recoveryReport))")
        }
        let firstCount = first.count
        fuzzCheck(
            second.count >= firstCount && Array(second.prefix(firstCount)) == first,
            "reopening reads \(second.count) records, not the \(firstCount) read after recovery")
        try? reopened.close()
    }

    /// Every record from the first offset to the end, checked against the record written at its offset
    /// (below `writtenBefore`: offsets recovery cut off are given to the records appended after it).
    /// Offsets are dense within a segment: a read returns the next offset, or the first of a later segment when
    /// the segments between were lost or quarantined; it never skips records inside a segment.
    static func readAll(_ log: SegmentedLog, writtenBefore: LogOffset) -> [LogRecord] {
        var records: [LogRecord] = []
        var offset = log.firstOffset
        let segmentBases = Set(log.segmentBaseOffsets)
        while offset < log.nextOffset {
            guard let batch = try? log.read(from: offset, maxRecords: 7, maxBytes: 4096), !batch.isEmpty else { break }
            for record in batch {
                fuzzCheck(record.offset >= offset, "read from \(offset) returns offset \(record.offset)")
                fuzzCheck(record.offset < log.nextOffset, "read returns offset \(record.offset) past \(log.nextOffset)")
                fuzzCheck(
                    record.offset == offset || segmentBases.contains(record.offset),
                    "read from \(offset) skips to offset \(record.offset)")
                if record.offset < writtenBefore, let written = RealLog.records[record.offset] {
                    fuzzCheck(
                        record.value == written.value && record.key == written.key
                            && record.timestamp == written.timestamp,
                        "the record read at \(record.offset) is not the record written there")
                }
                offset = record.offset.advanced(by: 1)
            }
            records.append(contentsOf: batch)
        }
        return records
    }
}
