/// Finds the bytes of a JSON string that end a plain run: a quote, a backslash, a control character
/// and (when writing) DEL. Eight bytes are tested per step with word arithmetic, so a 1 KiB SQS body
/// costs ~128 steps instead of 1,024 per-byte tests; the writer, the parser and the SQS body check all
/// scan every message body (~5% of the broker's CPU in the SQS benchmark went to byte-at-a-time scans).
enum JSONByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether some byte of `word` is zero (exact as a yes/no answer).
    @inline(__always)
    private static func hasZero(_ word: UInt64) -> Bool {
        (word &- ones) & ~word & highs != 0
    }

    /// Whether some byte of `word` is below 0x20 (exact for a bound ≤ 0x80).
    @inline(__always)
    private static func hasControl(_ word: UInt64) -> Bool {
        (word &- 0x20 &* ones) & ~word & highs != 0
    }

    /// The index of the first byte at or after `start` that a JSON string cannot hold as it is (`"`, `\`,
    /// below 0x20, and DEL when `delete` is set), or `bytes.count`. Bytes from 0x80 up pass: they are UTF-8.
    static func firstSpecial(in bytes: UnsafeRawBufferPointer, from start: Int, delete: Bool) -> Int {
        var index = start
        let count = bytes.count
        while count - index >= 8 {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            if hasControl(word) || hasZero(word ^ (0x22 &* ones)) || hasZero(word ^ (0x5C &* ones))
                || (delete && hasZero(word ^ (0x7F &* ones)))
            {
                break
            }
            index += 8
        }
        while index < count {
            let byte = bytes[index]
            if byte < 0x20 || byte == 0x22 || byte == 0x5C || (delete && byte == 0x7F) { return index }
            index += 1
        }
        return count
    }

    /// Whether every byte is below 0x80.
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while count - index >= 8 {
            if UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) & highs != 0 {
                return false
            }
            index += 8
        }
        while index < count {
            if bytes[index] >= 0x80 { return false }
            index += 1
        }
        return true
    }

    /// Whether every byte is printable ASCII, tab, LF or CR (what an SQS body may hold without a closer look).
    static func isPlainText(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while count - index >= 8 {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            // Only ASCII (no high bit) and no control character passes in one step; a word with a tab,
            // LF or CR is checked byte by byte, and the scan goes on a word at a time after it.
            if word & highs != 0 || hasControl(word) {
                for offset in 0..<8 where !Self.isPlainByte(bytes[index + offset]) { return false }
            }
            index += 8
        }
        while index < count {
            guard Self.isPlainByte(bytes[index]) else { return false }
            index += 1
        }
        return true
    }

    @inline(__always)
    private static func isPlainByte(_ byte: UInt8) -> Bool {
        (byte >= 0x20 && byte < 0x80) || byte == 0x9 || byte == 0xA || byte == 0xD
    }
}
