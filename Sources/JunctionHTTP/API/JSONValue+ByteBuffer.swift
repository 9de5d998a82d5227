import NIOCore

extension JSONValue {
    /// Compact JSON bytes, as `serialized` spells them, written straight into a buffer: answers (SQS, the
    /// HTTP API) are bytes on the wire, and going through a `String` cost a growing string, a scalar walk
    /// for escapes and a copy into the buffer at the end.
    func write(into buffer: inout ByteBuffer) {
        switch self {
        case .null: buffer.writeStaticString("null")
        case .bool(let value): buffer.writeStaticString(value ? "true" : "false")
        case .int(let value): buffer.writeString(String(value))
        case .double(let value): buffer.writeString(value.isFinite ? "\(value)" : "null")
        case .string(let text): Self.writeString(text, into: &buffer)
        case .array(let items):
            buffer.writeInteger(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                item.write(into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case .object(let members):
            buffer.writeInteger(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                Self.writeString(member.0, into: &buffer)
                buffer.writeInteger(UInt8(ascii: ":"))
                member.1.write(into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "}"))
        }
    }

    /// The value's JSON in a new buffer.
    var serializedBuffer: ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        self.write(into: &buffer)
        return buffer
    }

    /// `text` as a JSON string, escaped as `writeString(_:into: inout String)` does: runs without anything to
    /// escape (found a word at a time) are copied whole.
    static func writeString(_ text: String, into buffer: inout ByteBuffer) {
        var text = text
        text.withUTF8 { Self.writeString(bytes: UnsafeRawBufferPointer($0), into: &buffer) }
    }

    /// UTF-8 text (valid: the caller's promise) as a JSON string.
    static func writeString(bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: bytes.count + 2)
        buffer.writeInteger(UInt8(ascii: "\""))
        var start = 0
        while start < bytes.count {
            let special = JSONByteScan.firstSpecial(in: bytes, from: start, delete: true)
            if special > start { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<special])) }
            guard special < bytes.count else { break }
            Self.writeEscape(bytes[special], into: &buffer)
            start = special + 1
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    private static func writeEscape(_ byte: UInt8, into buffer: inout ByteBuffer) {
        switch byte {
        case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
        case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
        case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
        case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
        case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
        default:
            let digits: StaticString = "0123456789abcdef"
            buffer.writeStaticString("\\u00")
            buffer.writeInteger(digits.utf8Start[Int(byte >> 4)])
            buffer.writeInteger(digits.utf8Start[Int(byte & 0xF)])
        }
    }
}
