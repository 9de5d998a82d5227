/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every record batch.
///
/// Table-driven, one byte per step. The standard check value is `CRC32C.checksum("123456789") == 0xE3069283`.
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = (crc & 1) == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
        return crc
    }

    /// The CRC-32C of `bytes`, continuing from `crc` (the checksum of the bytes before them, or 0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var value = ~crc
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes {
                value = table[Int((value ^ UInt32(byte)) & 0xFF)] ^ (value >> 8)
            }
        }
        return ~value
    }

    /// The CRC-32C of a byte sequence, e.g. of a string's UTF-8.
    public static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
        let array = Array(bytes)
        return array.withUnsafeBytes { Self.checksum($0) }
    }
}
