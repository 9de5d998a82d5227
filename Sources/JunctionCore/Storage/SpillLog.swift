import Foundation
import JunctionModel
import JunctionStorage
import NIOCore

/// Where a queue pages the bodies that have no other copy on disk: transient messages, and every
/// message of a non-durable queue (`MessageQueue+Paging`). A `SegmentedLog` of message records
/// (`MessageRecordCodec`) that is never fsynced: nothing in it survives a restart (the broker removes
/// every spill log at start and a queue's when the queue goes). Its consumed prefix is released a
/// segment at a time. Confined to the engine loop.
final class SpillLog {
    let directory: String
    private let log: SegmentedLog
    private let segmentBytes: Int
    /// Bytes read back since the prefix was last released.
    private var bytesSinceRelease = 0

    /// Opens an empty spill log in `directory` (anything there before is removed).
    init(directory: String, segmentBytes: Int) throws {
        self.directory = directory
        self.segmentBytes = segmentBytes
        if FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.removeItem(atPath: directory)
        }
        var configuration = SegmentedLogConfiguration(
            maxSegmentBytes: Int64(segmentBytes), fsyncPolicy: .never, writeBufferBytes: 256 * 1024)
        // Nothing in it survives a restart: a roll costs no fsync on the engine loop.
        configuration.syncsSealedSegments = false
        self.log = try SegmentedLog(directory: directory, configuration: configuration)
    }

    /// Appends the whole message (buffered; written before any read) and returns its offset.
    func append(_ message: Message) throws -> UInt64 {
        // Encoded straight into the log's batch, as a durable queue's messages are.
        let result = try self.log.append(timestamp: 0) { MessageRecordCodec.write(message, into: &$0) }
        return UInt64(result.firstOffset.rawValue)
    }

    /// Reads the records from `first` through `last` in one pass (sequential reads of whole chunks)
    /// and hands each decodable one to `body`, in offset order.
    func read(from first: UInt64, through last: UInt64, _ body: (UInt64, Message) -> Void) throws {
        try Self.read(self.log, from: first, through: last, body)
    }

    /// Range reads of message records, shared with `DurableQueueLog`.
    static func read(
        _ log: SegmentedLog, from first: UInt64, through last: UInt64, _ body: (UInt64, Message) -> Void
    ) throws {
        // Offsets past what an Int64 holds are clamped (a log's offsets never reach them): `through:
        // UInt64.max`, "to the end", trapped in the conversion.
        var position = LogOffset(Int64(clamping: first))
        let end = LogOffset(Int64(clamping: last))
        while position <= end {
            let wanted = min(end.rawValue - position.rawValue, 4095) + 1
            let records = try log.read(from: position, maxRecords: Int(wanted), maxBytes: 16 << 20)
            guard let final = records.last else { return }
            for record in records where record.offset <= end {
                if let message = try? MessageRecordCodec.decode(record.value) {
                    body(UInt64(record.offset.rawValue), message)
                }
            }
            position = final.offset.advanced(by: 1)
        }
    }

    /// `read(from:through:)` to run off the loop (`PagedReadAhead`); nil when it cannot.
    func readAhead(from first: UInt64, through last: UInt64) -> PagedRead? {
        Self.readAhead(self.log, from: first, through: last)
    }

    /// Range reads off the loop, shared with `DurableQueueLog`. A failure to take the read (the log is
    /// closed) is no read ahead: the read on the loop, when the window is needed, reports it.
    static func readAhead(_ log: SegmentedLog, from first: UInt64, through last: UInt64) -> PagedRead? {
        let handle = try? log.readHandle(
            from: LogOffset(Int64(clamping: first)), through: LogOffset(Int64(clamping: last)), maxBytes: Int.max)
        return handle.map(PagedRead.init)
    }

    /// Body bytes read back since the prefix was last released.
    func noteRead(bytes: Int) {
        self.bytesSinceRelease += bytes
    }

    /// Nothing below `offset` (nil: nothing at all) is needed any more. Whole sealed segments before
    /// it go once a segment's worth was read since the last release: releasing writes a checkpoint
    /// file, and nothing less than a segment could be deleted anyway.
    func release(before offset: UInt64?) {
        guard self.bytesSinceRelease >= self.segmentBytes else { return }
        self.bytesSinceRelease = 0
        try? self.log.truncate(before: offset.map { LogOffset(Int64($0)) } ?? self.log.nextOffset)
    }

    /// Closes and deletes the files (the queue is gone).
    func remove() {
        try? self.log.close()
        try? FileManager.default.removeItem(atPath: self.directory)
    }
}

@available(*, unavailable)
extension SpillLog: Sendable {}
