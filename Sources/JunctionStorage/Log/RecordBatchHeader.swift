/// The fixed 43-byte header of a record batch (format 1), decoded without touching the records.
/// The byte layout is documented in `Sources/JunctionStorage/README.md`.
public struct RecordBatchHeader: Equatable, Sendable {
    public static let size = 43
    /// Bytes before the `length` field's count starts (baseOffset + length).
    public static let lengthFieldEnd = 12
    /// Where the CRC-covered bytes start (right after the CRC field).
    public static let checksummedStart = 17
    public static let currentMagic: UInt8 = 1

    public var baseOffset: LogOffset
    /// Bytes after the length field: the whole batch is `lengthFieldEnd + length` bytes.
    public var length: Int32
    public var magic: UInt8
    public var crc: UInt32
    public var attributes: UInt16
    public var leaderEpoch: Int32
    public var recordCount: Int32
    public var firstTimestamp: Int64
    public var maxTimestamp: Int64

    /// The size of the whole batch on disk.
    public var totalSize: Int { Self.lengthFieldEnd + Int(self.length) }
    /// The offset of the batch's last record.
    public var lastOffset: LogOffset { self.baseOffset.advanced(by: Int64(self.recordCount) - 1) }
    /// The offset after the batch's last record.
    public var nextOffset: LogOffset { self.baseOffset.advanced(by: Int64(self.recordCount)) }
}
