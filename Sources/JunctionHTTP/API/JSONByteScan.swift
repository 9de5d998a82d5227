import CJunctionByteScan

/// Finds the bytes of a JSON string that end a plain run (a quote, a backslash, a control character and,
/// when writing, DEL), and tells ASCII and plain text. The writer, the parser and the SQS body check scan
/// every message body; the scans are `CJunctionByteScan`'s, 16 bytes per step (word-at-a-time arithmetic
/// here, 8 bytes per step, was still ~6% of the SQS loops' CPU).
enum JSONByteScan {
    /// The index of the first byte at or after `start` that a JSON string cannot hold as it is (`"`, `\`,
    /// below 0x20, and DEL when `delete` is set), or `bytes.count`. Bytes from 0x80 up pass: they are UTF-8.
    static func firstSpecial(in bytes: UnsafeRawBufferPointer, from start: Int, delete: Bool) -> Int {
        guard start < bytes.count else { return bytes.count }
        return junction_scan_first_special(
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, start, delete ? 1 : 0)
    }

    /// Whether every byte is printable ASCII a JSON string holds as it is (no quote, backslash, control
    /// character or DEL): such text is written between quotes as it is, after one scan.
    static func isPlainJSONASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        junction_scan_first_not_plain_json(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
            == bytes.count
    }

    /// Whether every byte is below 0x80.
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        junction_scan_is_ascii(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count) != 0
    }

    /// Whether every byte is printable ASCII, tab, LF or CR (what an SQS body may hold without a closer look).
    static func isPlainText(_ bytes: UnsafeRawBufferPointer) -> Bool {
        junction_scan_is_plain_text(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count) != 0
    }
}
