import NIOCore

/// One segment of a `SegmentedLog`: `<base>.log` (batches), `<base>.index` and `<base>.timeindex`.
///
/// Owned by its log. Index entries are written as batches are appended but only fsynced when the
/// segment is sealed: the indexes of the last segment are always rebuilt on open.
final class LogSegment {
    let baseOffset: LogOffset
    let directory: String
    let logFile: any LogFile
    let indexFile: any LogFile
    let timeIndexFile: any LogFile
    let indexIntervalBytes: Int
    private(set) var size: Int64
    /// The bytes known to be on stable storage: everything up to here was fsynced (or found on open).
    var durableSize: Int64
    private(set) var nextOffset: LogOffset
    /// The largest record timestamp in the segment, `Int64.min` while empty.
    private(set) var maxTimestamp: Int64
    /// When the segment started, for roll by age (milliseconds): the clock at creation, or after a
    /// restart the first record's timestamp (the clock if it is empty).
    var createdAt: Int64
    private(set) var offsetIndex: OffsetIndex
    private(set) var timeIndex: TimeIndex
    private var bytesSinceIndexEntry: Int
    /// Appended bytes not written yet (see `SegmentedLogConfiguration.writeBufferBytes`), each with the
    /// file position of its first byte: the log file's batches and both indexes' entries.
    private var pendingLog = PendingWrite()
    private var pendingIndex = PendingWrite()
    private var pendingTimeIndex = PendingWrite()
    /// When the pending log bytes reach this many they are written; 0 writes every append at once.
    var writeBufferBytes = 0

    init(
        baseOffset: LogOffset,
        directory: String,
        files: (log: any LogFile, index: any LogFile, timeIndex: any LogFile),
        indexIntervalBytes: Int,
        state: State
    ) {
        self.baseOffset = baseOffset
        self.directory = directory
        self.logFile = files.log
        self.indexFile = files.index
        self.timeIndexFile = files.timeIndex
        self.indexIntervalBytes = indexIntervalBytes
        self.size = state.size
        self.durableSize = state.size
        self.nextOffset = state.nextOffset
        self.maxTimestamp = state.maxTimestamp
        self.createdAt = state.createdAt
        self.offsetIndex = state.offsetIndex
        self.timeIndex = state.timeIndex
        self.bytesSinceIndexEntry = state.bytesSinceIndexEntry
    }

    /// What a segment knows about its files, as found by recovery or set at creation.
    struct State {
        var size: Int64
        var nextOffset: LogOffset
        var maxTimestamp: Int64
        var createdAt: Int64
        var offsetIndex: OffsetIndex
        var timeIndex: TimeIndex
        var bytesSinceIndexEntry: Int
    }

    var isEmpty: Bool { self.nextOffset == self.baseOffset }

    // MARK: - Names

    /// `base` as 20 zero-padded decimal digits, the Kafka naming that sorts by offset.
    static func fileStem(_ base: LogOffset) -> String {
        let digits = String(base.rawValue)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    static func path(_ directory: String, _ base: LogOffset, _ suffix: String) -> String {
        "\(directory)/\(Self.fileStem(base))\(suffix)"
    }

    var logPath: String { Self.path(self.directory, self.baseOffset, ".log") }

    // MARK: - Appending

    /// Adds one encoded batch (and its index entries, when due) to the write buffer, and writes the buffer when
    /// it is full or there is none (`writeBufferBytes` 0): one path, so both modes write the same bytes. The
    /// segment's own state moves only after a write that was due succeeded, so a failed append is not counted:
    /// its bytes are taken back out of the buffer (what did reach the file lies past `size` and is overwritten
    /// by the next append, or cut off by recovery). If the batch reached the file and only an index write
    /// failed, the batch is counted and the error still thrown.
    func append(_ batch: ByteBuffer, header: RecordBatchHeader) throws {
        let position = self.size
        let before = (log: self.pendingLog.count, index: self.pendingIndex.count, time: self.pendingTimeIndex.count)
        self.pendingLog.add(batch, at: position)
        let relativeOffset = UInt32(header.baseOffset.rawValue - self.baseOffset.rawValue)
        let runningMax = max(self.maxTimestamp, header.maxTimestamp)
        let indexed = self.offsetIndex.entries.isEmpty || self.bytesSinceIndexEntry >= self.indexIntervalBytes
        let offsetEntry = OffsetIndex.Entry(relativeOffset: relativeOffset, position: UInt32(position))
        let timeEntry = TimeIndex.Entry(timestamp: runningMax, relativeOffset: relativeOffset)
        if indexed {
            let indexPosition = Int64(self.offsetIndex.entries.count * OffsetIndex.entrySize)
            let timeIndexPosition = Int64(self.timeIndex.entries.count * TimeIndex.entrySize)
            self.pendingIndex.add(at: indexPosition) { OffsetIndex.encode(offsetEntry, into: &$0) }
            self.pendingTimeIndex.add(at: timeIndexPosition) { TimeIndex.encode(timeEntry, into: &$0) }
        }
        var failure: (any Error)?
        if self.pendingLog.count >= self.writeBufferBytes {
            do {
                try self.writePending()
            } catch let error where self.pendingLog.count > 0 {
                self.pendingLog.drop(keeping: before.log)
                self.pendingIndex.drop(keeping: before.index)
                self.pendingTimeIndex.drop(keeping: before.time)
                throw error
            } catch {
                failure = error
            }
        }
        if indexed {
            self.offsetIndex.append(offsetEntry)
            self.timeIndex.append(timeEntry)
            self.bytesSinceIndexEntry = 0
        }
        self.bytesSinceIndexEntry += header.totalSize
        self.size = position + Int64(header.totalSize)
        self.nextOffset = header.nextOffset
        self.maxTimestamp = runningMax
        if let failure { throw failure }
    }

    /// Writes what is buffered and fsyncs the log file: every counted byte is durable.
    func syncLog() throws {
        try self.writePending()
        try self.logFile.sync()
        self.durableSize = self.size
    }

    /// Brings the segment back after a failed write or fsync, once the disk takes writes again.
    ///
    /// A failed fsync may leave written pages clean in the page cache but not on disk (Linux marks
    /// them clean after reporting the error), so another fsync would succeed without writing them.
    /// The bytes written since the last successful fsync are therefore read back, checked batch by
    /// batch (headers and CRCs: nothing unverified is ever reported durable), written again and
    /// fsynced, together with what is still buffered. Throws `.corrupt` if the bytes do not verify.
    func rewriteSinceLastSync(maxBatchSize: Int) throws {
        let written = self.size - Int64(self.pendingLog.count)
        if written > self.durableSize {
            var reader = SegmentBatchReader(
                file: self.logFile, fileSize: written, position: self.durableSize, maxBatchSize: maxBatchSize)
            verifying: while true {
                switch try reader.nextHeader() {
                case .end: break verifying
                case .invalid(let reason): throw self.corruption(reason, at: reader.position)
                case .header(let header):
                    let position = reader.position
                    if case .invalid(let reason) = try reader.readBatch(header) {
                        throw self.corruption(reason, at: position)
                    }
                }
            }
            let length = Int(written - self.durableSize)
            let bytes = try self.logFile.read(at: self.durableSize, length: length)
            guard bytes.readableBytes == length else {
                throw self.corruption(.truncatedBatch, at: self.durableSize + Int64(bytes.readableBytes))
            }
            try self.logFile.write(bytes, at: self.durableSize)
        }
        try self.syncLog()
    }

    /// Writes what the write buffer holds: the log bytes first, then the index entries that point into them.
    func writePending() throws {
        try self.pendingLog.write(to: self.logFile)
        try self.pendingIndex.write(to: self.indexFile)
        try self.pendingTimeIndex.write(to: self.timeIndexFile)
    }

    /// Rewrites both index files from the in-memory indexes.
    func writeIndexes() throws {
        var bytes = ByteBuffer()
        for entry in self.offsetIndex.entries { OffsetIndex.encode(entry, into: &bytes) }
        try self.indexFile.truncate(to: 0)
        try self.indexFile.write(bytes, at: 0)
        bytes.clear()
        for entry in self.timeIndex.entries { TimeIndex.encode(entry, into: &bytes) }
        try self.timeIndexFile.truncate(to: 0)
        try self.timeIndexFile.write(bytes, at: 0)
    }

    /// Fsyncs the log and both indexes: the segment is complete and will not change.
    func seal() throws {
        try self.syncLog()
        try self.indexFile.sync()
        try self.timeIndexFile.sync()
    }

    /// `seal()` with its fsyncs handed out, to run on another thread; what is buffered is written here.
    func sealHandle() throws -> LogSyncHandle {
        try self.writePending()
        return .sequence([
            try self.logFile.syncHandle(), try self.indexFile.syncHandle(), try self.timeIndexFile.syncHandle(),
        ])
    }

    /// Closes the files; what is still in the write buffer is dropped (the log syncs before it closes).
    func close() throws {
        try self.logFile.close()
        try self.indexFile.close()
        try self.timeIndexFile.close()
    }

    // MARK: - Reading

    /// A reader positioned at the indexed batch at or before `offset`. It knows that batch's base offset and
    /// checks that every batch it walks follows the previous one: a corrupt base offset (outside the CRC) in a
    /// segment whose indexes were trusted at open is a corruption error, never records served under wrong offsets.
    func reader(near offset: LogOffset, maxBatchSize: Int) -> SegmentBatchReader {
        let relative = UInt32(clamping: max(0, offset.rawValue - self.baseOffset.rawValue))
        let entry = self.offsetIndex.entry(atOrBefore: relative)
        return SegmentBatchReader(
            file: self.logFile,
            fileSize: self.size,
            position: entry.map { Int64($0.position) } ?? 0,
            maxBatchSize: maxBatchSize,
            expectedOffset: self.baseOffset.advanced(by: Int64(entry?.relativeOffset ?? 0))
        )
    }

    /// Reads records from `offset` on into `records`, within the limits; true if the limits were reached.
    func read(
        from offset: LogOffset,
        maxRecords: Int,
        maxBytes: Int,
        maxBatchSize: Int,
        into records: inout [LogRecord],
        bytes: inout Int
    ) throws -> Bool {
        var reader = self.reader(near: offset, maxBatchSize: maxBatchSize)
        return try reader.readRecords(
            from: offset, through: nil, maxRecords: maxRecords, maxBytes: maxBytes, path: self.logPath,
            into: &records, bytes: &bytes)
    }

    /// The first record at or after `timestamp` whose offset is at least `notBefore`, found through
    /// the time index and then the offset index.
    func offset(atOrAfter timestamp: Int64, notBefore: LogOffset, maxBatchSize: Int) throws -> LogOffset? {
        guard self.maxTimestamp >= timestamp else { return nil }
        let indexed =
            self.timeIndex.lastEntry(before: timestamp)
            .map { self.baseOffset.advanced(by: Int64($0.relativeOffset)) } ?? self.baseOffset
        var reader = self.reader(near: max(indexed, notBefore), maxBatchSize: maxBatchSize)
        while true {
            let header: RecordBatchHeader
            switch try reader.nextHeader() {
            case .end: return nil
            case .invalid(let reason): throw self.corruption(reason, at: reader.position)
            case .header(let found): header = found
            }
            guard header.maxTimestamp >= timestamp, header.nextOffset > notBefore else {
                reader.skip(header)
                continue
            }
            let position = reader.position
            switch try reader.readBatch(header) {
            case .invalid(let reason): throw self.corruption(reason, at: position)
            case .batch(let batch):
                if let record = batch.records.first(where: { $0.timestamp >= timestamp && $0.offset >= notBefore }) {
                    return record.offset
                }
            }
        }
    }

    private func corruption(_ reason: RecoveryReport.Reason, at position: Int64) -> StorageError {
        StorageError(.corrupt, path: self.logPath, position: position, detail: "\(reason)")
    }
}
