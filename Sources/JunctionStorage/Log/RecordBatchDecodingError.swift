/// Why bytes at a batch position are not a valid format-1 record batch.
public enum RecordBatchDecodingError: Error, Equatable, Sendable {
    /// The magic (format version) byte is not one this build reads.
    case unsupportedMagic(UInt8)
    /// The batch length field is below the header size or above the configured maximum.
    case invalidLength(Int32)
    /// The stored CRC-32C differs from the one computed over the batch contents.
    case crcMismatch(stored: UInt32, computed: UInt32)
    /// The record count is negative or does not match the records present.
    case invalidRecordCount(Int32)
    /// The base offset is negative, or too large for the batch's last offset to exist.
    case invalidBaseOffset(Int64)
    /// Record `index` has a bad length, offset delta or key/value length.
    case malformedRecord(index: Int)
}
