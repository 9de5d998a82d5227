/// Bytes that can never be a valid binary string or field table (see `ByteBuffer+Binary.swift`).
public enum BinaryEncodingError: Error, Sendable, Equatable {
    /// A field table or array holds a value whose type tag we do not know.
    case invalidFieldValueType(UInt8)
    /// Field tables and arrays nest deeper than `limit`.
    case fieldNestingTooDeep(limit: Int)
    /// A short string (or a long string read as text) is not valid UTF-8.
    case invalidUTF8
}
