public import NIOCore

extension ByteBuffer {
    /// Writes a header line `name:value\n`, escaping both as `escaping` says (STOMP 1.2 "Value Encoding").
    /// Without escaping (STOMP 1.0), line breaks in a value become spaces so the frame stays well formed.
    @discardableResult
    public mutating func writeSTOMPHeader(_ name: String, _ value: String, escaping: STOMPHeaderEscaping) -> Int {
        var written = self.writeSTOMPHeaderText(name, escaping: escaping)
        written += self.writeInteger(UInt8(ascii: ":"))
        written += self.writeSTOMPHeaderText(value, escaping: escaping)
        written += self.writeInteger(UInt8(ascii: "\n"))
        return written
    }

    /// Writes a whole frame. A body is always framed with `content-length` (added unless the headers
    /// already hold one), so NUL bytes in it are safe.
    @discardableResult
    public mutating func writeSTOMPFrame(_ frame: STOMPFrame, version: STOMPVersion) -> Int {
        let escaping: STOMPHeaderEscaping = frame.command.escapesHeaders ? version.escaping : .none
        var written = self.writeString(frame.command.rawValue)
        written += self.writeInteger(UInt8(ascii: "\n"))
        for entry in frame.headers {
            written += self.writeSTOMPHeader(entry.name, entry.value, escaping: escaping)
        }
        if frame.body.readableBytes > 0 && frame.headers["content-length"] == nil {
            written += self.writeSTOMPHeader("content-length", String(frame.body.readableBytes), escaping: .none)
        }
        written += self.writeInteger(UInt8(ascii: "\n"))
        written += self.writeImmutableBuffer(frame.body)
        written += self.writeInteger(UInt8(0))
        return written
    }

    /// A heart-beat: one end-of-line between frames.
    @discardableResult
    public mutating func writeSTOMPHeartbeat() -> Int {
        self.writeInteger(UInt8(ascii: "\n"))
    }

    private static func needsSTOMPEscaping(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: ":")
            || byte == UInt8(ascii: "\\")
    }

    private mutating func writeSTOMPHeaderText(_ text: String, escaping: STOMPHeaderEscaping) -> Int {
        // Over the contiguous bytes when there are (native strings): walking the UTF-8 view index by index
        // was 39% of a MESSAGE encode in callgrind.
        let needsWork =
            text.utf8.withContiguousStorageIfAvailable { $0.contains(where: Self.needsSTOMPEscaping) }
            ?? text.utf8.contains(where: Self.needsSTOMPEscaping)
        guard needsWork else { return self.writeString(text) }
        var written = 0
        for byte in text.utf8 {
            switch (byte, escaping) {
            case (UInt8(ascii: "\n"), .none), (UInt8(ascii: "\r"), .none):
                written += self.writeInteger(UInt8(ascii: " "))
            case (UInt8(ascii: "\\"), .v1_1), (UInt8(ascii: "\\"), .v1_2):
                written += self.writeStaticString("\\\\")
            case (UInt8(ascii: "\n"), .v1_1), (UInt8(ascii: "\n"), .v1_2):
                written += self.writeStaticString("\\n")
            case (UInt8(ascii: ":"), .v1_1), (UInt8(ascii: ":"), .v1_2):
                written += self.writeStaticString("\\c")
            case (UInt8(ascii: "\r"), .v1_2):
                written += self.writeStaticString("\\r")
            case (UInt8(ascii: "\r"), .v1_1):
                // 1.1 has no escape for CR and a raw CR would end the line for a 1.2-style reader.
                written += self.writeInteger(UInt8(ascii: " "))
            default:
                written += self.writeInteger(byte)
            }
        }
        return written
    }
}
