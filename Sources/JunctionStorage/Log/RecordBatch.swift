public import NIOCore

/// The unit of append, fsync and CRC: a group of records with contiguous offsets (format 1).
///
/// Encoding writes the layout in `Sources/JunctionStorage/README.md`; decoding verifies the magic,
/// lengths and CRC-32C, and returns records whose keys and values are slices of the input.
public struct RecordBatch: Equatable, Sendable {
    /// The fixed bytes per record before its key and value.
    public static let recordOverhead = 24

    public var header: RecordBatchHeader
    public var records: [LogRecord]

    // MARK: - Encoding

    /// The size `encode` will produce for `entries`, computed without encoding (so a caller can refuse
    /// a batch above its limit before any length field could overflow).
    public static func encodedSize(of entries: [LogEntry]) -> Int {
        var size = RecordBatchHeader.size
        for entry in entries {
            size += Self.recordOverhead + (entry.key?.readableBytes ?? 0) + entry.value.readableBytes
        }
        return size
    }

    /// Encodes `entries` as one batch starting at `baseOffset` into `buffer` and returns its header.
    /// `entries` must not be empty.
    @discardableResult
    public static func encode(
        _ entries: [LogEntry],
        baseOffset: LogOffset,
        attributes: UInt16,
        leaderEpoch: Int32,
        into buffer: inout ByteBuffer
    ) -> RecordBatchHeader {
        precondition(!entries.isEmpty, "RecordBatch.encode needs at least one entry")
        precondition(Self.encodedSize(of: entries) <= Int(Int32.max), "RecordBatch.encode over 2 GiB")
        let firstTimestamp = entries[0].timestamp
        var maxTimestamp = firstTimestamp
        var length = RecordBatchHeader.size - RecordBatchHeader.lengthFieldEnd
        for entry in entries {
            maxTimestamp = max(maxTimestamp, entry.timestamp)
            length += Self.recordOverhead + (entry.key?.readableBytes ?? 0) + entry.value.readableBytes
        }
        let start = buffer.writerIndex
        buffer.reserveCapacity(minimumWritableBytes: RecordBatchHeader.lengthFieldEnd + length)
        Self.writeHeader(
            baseOffset: baseOffset, length: Int32(length), attributes: attributes, leaderEpoch: leaderEpoch,
            recordCount: Int32(entries.count), firstTimestamp: firstTimestamp, maxTimestamp: maxTimestamp,
            into: &buffer)
        for (index, entry) in entries.enumerated() {
            let keyLength = entry.key?.readableBytes ?? 0
            buffer.writeInteger(Int32(Self.recordOverhead - 4 + keyLength + entry.value.readableBytes))
            buffer.writeInteger(Int32(index))
            buffer.writeInteger(entry.timestamp &- firstTimestamp)
            if let key = entry.key {
                buffer.writeInteger(Int32(key.readableBytes))
                buffer.writeImmutableBuffer(key)
            } else {
                buffer.writeInteger(Int32(-1))
            }
            buffer.writeInteger(Int32(entry.value.readableBytes))
            buffer.writeImmutableBuffer(entry.value)
        }
        let crc = Self.checksum(buffer, from: start + RecordBatchHeader.checksummedStart, to: buffer.writerIndex)
        buffer.setInteger(crc, at: start + 13)
        return RecordBatchHeader(
            baseOffset: baseOffset,
            length: Int32(length),
            magic: RecordBatchHeader.currentMagic,
            crc: crc,
            attributes: attributes,
            leaderEpoch: leaderEpoch,
            recordCount: Int32(entries.count),
            firstTimestamp: firstTimestamp,
            maxTimestamp: maxTimestamp
        )
    }

    /// Encodes a batch of one record with no key whose value `writeValue` writes straight into `buffer` (a
    /// durable queue's message: no buffer of the value's own, no entry array). The lengths are filled in
    /// after the value is written. Nil, and `buffer` as it was, when the batch would pass `maximumSize` bytes.
    public static func encode(
        oneRecordAt timestamp: Int64, baseOffset: LogOffset, attributes: UInt16, leaderEpoch: Int32,
        maximumSize: Int, into buffer: inout ByteBuffer, writeValue: (inout ByteBuffer) -> Void
    ) -> RecordBatchHeader? {
        let start = buffer.writerIndex
        // The batch's length is set below, once the value is written.
        Self.writeHeader(
            baseOffset: baseOffset, length: 0, attributes: attributes, leaderEpoch: leaderEpoch, recordCount: 1,
            firstTimestamp: timestamp, maxTimestamp: timestamp, into: &buffer)
        let record = buffer.writerIndex
        buffer.writeInteger(Int32(0))  // the record's length, below
        buffer.writeInteger(Int32(0))  // offset delta
        buffer.writeInteger(Int64(0))  // timestamp delta
        buffer.writeInteger(Int32(-1))  // no key
        buffer.writeInteger(Int32(0))  // the value's length, below
        let value = buffer.writerIndex
        writeValue(&buffer)
        let valueLength = buffer.writerIndex - value
        let total = buffer.writerIndex - start
        guard total <= min(maximumSize, Int(Int32.max)) else {
            buffer.moveWriterIndex(to: start)
            return nil
        }
        let length = total - RecordBatchHeader.lengthFieldEnd
        buffer.setInteger(Int32(length), at: start + 8)
        buffer.setInteger(Int32(Self.recordOverhead - 4 + valueLength), at: record)
        buffer.setInteger(Int32(valueLength), at: value - 4)
        let crc = Self.checksum(buffer, from: start + RecordBatchHeader.checksummedStart, to: buffer.writerIndex)
        buffer.setInteger(crc, at: start + 13)
        return RecordBatchHeader(
            baseOffset: baseOffset, length: Int32(length), magic: RecordBatchHeader.currentMagic, crc: crc,
            attributes: attributes, leaderEpoch: leaderEpoch, recordCount: 1, firstTimestamp: timestamp,
            maxTimestamp: timestamp)
    }

    /// A batch's header with its CRC left 0 (set once the records behind it are written).
    private static func writeHeader(
        baseOffset: LogOffset, length: Int32, attributes: UInt16, leaderEpoch: Int32, recordCount: Int32,
        firstTimestamp: Int64, maxTimestamp: Int64, into buffer: inout ByteBuffer
    ) {
        buffer.writeInteger(baseOffset.rawValue)
        buffer.writeInteger(length)
        buffer.writeInteger(RecordBatchHeader.currentMagic)
        buffer.writeInteger(UInt32(0))
        buffer.writeInteger(attributes)
        buffer.writeInteger(leaderEpoch)
        buffer.writeInteger(recordCount)
        buffer.writeInteger(firstTimestamp)
        buffer.writeInteger(maxTimestamp)
    }

    // MARK: - Decoding

    /// The header at `index`, or `nil` if fewer than a header's bytes are readable there.
    /// Checks the magic and that the length is within `[header size, maxBatchSize]`; not the CRC.
    public static func decodeHeader(
        _ buffer: ByteBuffer,
        at index: Int,
        maxBatchSize: Int = Int(Int32.max)
    ) throws(RecordBatchDecodingError) -> RecordBatchHeader? {
        guard buffer.readableBytes - (index - buffer.readerIndex) >= RecordBatchHeader.size,
            let baseOffset = buffer.getInteger(at: index, as: Int64.self),
            let length = buffer.getInteger(at: index + 8, as: Int32.self),
            let magic = buffer.getInteger(at: index + 12, as: UInt8.self),
            let crc = buffer.getInteger(at: index + 13, as: UInt32.self),
            let attributes = buffer.getInteger(at: index + 17, as: UInt16.self),
            let leaderEpoch = buffer.getInteger(at: index + 19, as: Int32.self),
            let recordCount = buffer.getInteger(at: index + 23, as: Int32.self),
            let firstTimestamp = buffer.getInteger(at: index + 27, as: Int64.self),
            let maxTimestamp = buffer.getInteger(at: index + 35, as: Int64.self)
        else { return nil }
        guard magic == RecordBatchHeader.currentMagic else { throw .unsupportedMagic(magic) }
        let total = Int64(RecordBatchHeader.lengthFieldEnd) + Int64(length)
        guard length >= RecordBatchHeader.size - RecordBatchHeader.lengthFieldEnd, total <= Int64(maxBatchSize)
        else { throw .invalidLength(length) }
        // Every record takes at least `recordOverhead` bytes, so the count is bounded by the length.
        guard recordCount > 0,
            Int64(recordCount) * Int64(Self.recordOverhead) <= total - Int64(RecordBatchHeader.size)
        else { throw .invalidRecordCount(recordCount) }
        // The CRC does not cover the base offset (the log assigns it on append), so a corrupt one is only caught
        // by its range here and by the readers' offset continuity: base + count must be an offset.
        guard baseOffset >= 0, baseOffset <= Int64.max - Int64(recordCount) else {
            throw .invalidBaseOffset(baseOffset)
        }
        return RecordBatchHeader(
            baseOffset: LogOffset(baseOffset),
            length: length,
            magic: magic,
            crc: crc,
            attributes: attributes,
            leaderEpoch: leaderEpoch,
            recordCount: recordCount,
            firstTimestamp: firstTimestamp,
            maxTimestamp: maxTimestamp
        )
    }

    /// Decodes one whole batch from the front of `buffer`, verifying its CRC; `nil` (consuming
    /// nothing) if the batch is not completely readable yet.
    public static func decode(
        _ buffer: inout ByteBuffer,
        maxBatchSize: Int = Int(Int32.max)
    ) throws(RecordBatchDecodingError) -> RecordBatch? {
        let start = buffer.readerIndex
        guard let header = try Self.decodeHeader(buffer, at: start, maxBatchSize: maxBatchSize),
            buffer.readableBytes >= header.totalSize
        else { return nil }
        let end = start + header.totalSize
        let computed = Self.checksum(buffer, from: start + RecordBatchHeader.checksummedStart, to: end)
        guard computed == header.crc else { throw .crcMismatch(stored: header.crc, computed: computed) }
        var records: [LogRecord] = []
        records.reserveCapacity(Int(header.recordCount))
        var position = start + RecordBatchHeader.size
        for index in 0..<Int(header.recordCount) {
            guard let record = Self.decodeRecord(buffer, at: &position, end: end, index: index, header: header)
            else { throw .malformedRecord(index: index) }
            records.append(record)
        }
        guard position == end else { throw .invalidRecordCount(header.recordCount) }
        buffer.moveReaderIndex(to: end)
        return RecordBatch(header: header, records: records)
    }

    private static func decodeRecord(
        _ buffer: ByteBuffer,
        at position: inout Int,
        end: Int,
        index: Int,
        header: RecordBatchHeader
    ) -> LogRecord? {
        guard end - position >= Self.recordOverhead,
            let length = buffer.getInteger(at: position, as: Int32.self),
            let offsetDelta = buffer.getInteger(at: position + 4, as: Int32.self),
            let timestampDelta = buffer.getInteger(at: position + 8, as: Int64.self),
            let keyLength = buffer.getInteger(at: position + 16, as: Int32.self),
            offsetDelta == index, length >= Int32(Self.recordOverhead - 4),
            Int(length) <= end - position - 4, keyLength >= -1
        else { return nil }
        let recordEnd = position + 4 + Int(length)
        var cursor = position + 20
        var key: ByteBuffer?
        if keyLength >= 0 {
            guard Int(keyLength) <= recordEnd - cursor - 4 else { return nil }
            key = buffer.getSlice(at: cursor, length: Int(keyLength))
            cursor += Int(keyLength)
        }
        guard let valueLength = buffer.getInteger(at: cursor, as: Int32.self), valueLength >= 0,
            cursor + 4 + Int(valueLength) == recordEnd,
            let value = buffer.getSlice(at: cursor + 4, length: Int(valueLength))
        else { return nil }
        position = recordEnd
        return LogRecord(
            offset: header.baseOffset.advanced(by: Int64(offsetDelta)),
            timestamp: header.firstTimestamp &+ timestampDelta,
            key: key,
            value: value,
            attributes: header.attributes,
            leaderEpoch: header.leaderEpoch
        )
    }

    static func checksum(_ buffer: ByteBuffer, from start: Int, to end: Int) -> UInt32 {
        guard let region = buffer.getSlice(at: start, length: end - start) else { return 0 }
        return region.withUnsafeReadableBytes { CRC32C.checksum($0) }
    }
}
