import NIOCore

/// Walks the batches of one segment file from a byte position, reading it in chunks.
///
/// Headers can be skipped without reading the records; `readBatch` verifies the CRC. Format
/// problems come back as `.invalid` steps (the caller decides: truncate, quarantine or throw);
/// I/O errors are thrown.
struct SegmentBatchReader {
    enum HeaderStep {
        case header(RecordBatchHeader)
        case end
        case invalid(RecoveryReport.Reason)
    }

    enum BatchStep {
        case batch(RecordBatch)
        case invalid(RecoveryReport.Reason)
    }

    let file: any LogFile
    let fileSize: Int64
    let maxBatchSize: Int
    let chunkSize: Int
    /// The byte position of the batch the next call looks at.
    private(set) var position: Int64
    /// The base offset the next batch must have, when the reader knows it (it started at an indexed batch):
    /// batches are contiguous, and a batch's base offset is outside its CRC.
    private(set) var expectedOffset: LogOffset?
    private var buffer = ByteBuffer()
    private var bufferStart: Int64 = 0

    init(
        file: any LogFile,
        fileSize: Int64,
        position: Int64,
        maxBatchSize: Int,
        expectedOffset: LogOffset? = nil,
        chunkSize: Int = 64 * 1024
    ) {
        self.file = file
        self.fileSize = fileSize
        self.position = position
        self.expectedOffset = expectedOffset
        self.maxBatchSize = maxBatchSize
        self.chunkSize = chunkSize
    }

    /// The header at `position`, `.end` exactly at the end of the file.
    mutating func nextHeader() throws -> HeaderStep {
        guard self.position < self.fileSize else {
            return self.position == self.fileSize ? .end : .invalid(.truncatedBatch)
        }
        guard try self.ensure(RecordBatchHeader.size) else { return .invalid(.truncatedBatch) }
        do {
            guard
                let header = try RecordBatch.decodeHeader(
                    self.buffer,
                    at: Int(self.position - self.bufferStart),
                    maxBatchSize: self.maxBatchSize
                )
            else { return .invalid(.truncatedBatch) }
            if let expected = self.expectedOffset, header.baseOffset != expected {
                return .invalid(.offsetMismatch(expected: expected, found: header.baseOffset))
            }
            return .header(header)
        } catch {
            return .invalid(.invalidBatch(error))
        }
    }

    /// Decodes and verifies the whole batch whose header `nextHeader` just returned, and moves past it.
    mutating func readBatch(_ header: RecordBatchHeader) throws -> BatchStep {
        guard try self.ensure(header.totalSize),
            var slice = self.buffer.getSlice(at: Int(self.position - self.bufferStart), length: header.totalSize)
        else { return .invalid(.truncatedBatch) }
        do {
            guard let batch = try RecordBatch.decode(&slice, maxBatchSize: self.maxBatchSize) else {
                return .invalid(.truncatedBatch)
            }
            self.position += Int64(header.totalSize)
            if self.expectedOffset != nil { self.expectedOffset = header.nextOffset }
            return .batch(batch)
        } catch {
            return .invalid(.invalidBatch(error))
        }
    }

    /// Moves past the batch whose header `nextHeader` just returned, without reading its records.
    mutating func skip(_ header: RecordBatchHeader) {
        self.position += Int64(header.totalSize)
        if self.expectedOffset != nil { self.expectedOffset = header.nextOffset }
    }

    /// Makes `length` bytes from `position` readable in `buffer`; false if the file is shorter.
    private mutating func ensure(_ length: Int) throws -> Bool {
        guard self.position + Int64(length) <= self.fileSize else { return false }
        let start = self.position - self.bufferStart
        if start >= 0 && start + Int64(length) <= Int64(self.buffer.readableBytes) { return true }
        let wanted = Int(min(max(Int64(length), Int64(self.chunkSize)), self.fileSize - self.position))
        self.buffer = try self.file.read(at: self.position, length: wanted)
        self.bufferStart = self.position
        return self.buffer.readableBytes >= length
    }
}

extension SegmentBatchReader {
    /// Reads the records from `offset` (through `last`, when given) into `records`, within the limits; true
    /// when `last` or a limit was reached. A batch that fails its checks is a `.corrupt` error of `path`.
    mutating func readRecords(
        from offset: LogOffset, through last: LogOffset?, maxRecords: Int, maxBytes: Int, path: String,
        into records: inout [LogRecord], bytes: inout Int
    ) throws -> Bool {
        while true {
            let header: RecordBatchHeader
            switch try self.nextHeader() {
            case .end: return false
            case .invalid(let reason):
                throw StorageError(.corrupt, path: path, position: self.position, detail: "\(reason)")
            case .header(let found): header = found
            }
            guard header.nextOffset > offset else {
                self.skip(header)
                continue
            }
            let position = self.position
            switch try self.readBatch(header) {
            case .invalid(let reason):
                throw StorageError(.corrupt, path: path, position: position, detail: "\(reason)")
            case .batch(let batch):
                for record in batch.records where record.offset >= offset {
                    if let last, record.offset > last { return true }
                    let size = (record.key?.readableBytes ?? 0) + record.value.readableBytes
                    if records.count >= maxRecords || (!records.isEmpty && bytes + size > maxBytes) { return true }
                    records.append(record)
                    bytes += size
                }
            }
        }
    }
}
