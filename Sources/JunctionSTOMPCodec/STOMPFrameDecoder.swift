public import NIOCore

/// Frames STOMP input: heart-beat EOLs and whole frames. Consumes nothing until a whole frame is
/// buffered; limits are checked while it arrives, so an oversized frame is refused before it is
/// buffered. It remembers how far it has scanned the frame in progress, so a large body arriving in
/// many reads is scanned once; feed it one stream (the same buffer, growing).
public struct STOMPFrameDecoder: Sendable {
    /// Header escaping in effect; switched by the session after CONNECT (1.0 until then).
    public var version: STOMPVersion
    public var limits: STOMPFrameLimits

    private struct Head: Sendable {
        var command: STOMPCommand
        var headers: STOMPHeaders
        /// Bytes from the start of the frame to the first body byte.
        var length: Int
        var contentLength: Int?
    }

    private var head: Head?
    /// Bytes from the reader index already known to hold no terminator for the current stage.
    private var scanned = 0

    public init(version: STOMPVersion = .v1_0, limits: STOMPFrameLimits = STOMPFrameLimits()) {
        self.version = version
        self.limits = limits
    }

    /// Returns the next heart-beat or frame, or nil when more bytes are needed.
    public mutating func decode(buffer: inout ByteBuffer) throws(STOMPDecodingError) -> STOMPInbound? {
        if self.head == nil {
            if let eols = Self.leadingEOLs(buffer), eols > 0 {
                buffer.moveReaderIndex(forwardBy: eols)
                return .heartbeat
            }
            guard let head = try self.decodeHead(buffer) else { return nil }
            self.head = head
            self.scanned = 0
        }
        guard let head = self.head else { return nil }
        let bodyStart = buffer.readerIndex + head.length
        let bodyLength: Int
        if let contentLength = head.contentLength {
            guard buffer.readableBytes >= head.length + contentLength + 1 else { return nil }
            guard buffer.getInteger(at: bodyStart + contentLength, as: UInt8.self) == 0 else {
                throw .missingNullTerminator
            }
            bodyLength = contentLength
        } else {
            let available = buffer.readableBytes - head.length
            let found = buffer.withUnsafeReadableBytes { bytes in
                bytes[(head.length + self.scanned)...].firstIndex(of: 0)
            }
            guard let found else {
                if available > self.limits.maxBodySize {
                    throw .bodyTooLarge(available, limit: self.limits.maxBodySize)
                }
                self.scanned = available
                return nil
            }
            bodyLength = found - head.length
            if bodyLength > self.limits.maxBodySize {
                throw .bodyTooLarge(bodyLength, limit: self.limits.maxBodySize)
            }
        }
        let body = buffer.getSlice(at: bodyStart, length: bodyLength) ?? ByteBuffer()
        buffer.moveReaderIndex(forwardBy: head.length + bodyLength + 1)
        self.head = nil
        self.scanned = 0
        return .frame(STOMPFrame(head.command, headers: head.headers, body: body))
    }

    /// Number of EOL bytes (`\n` or `\r\n`) at the front; nil when a lone `\r` may still become one.
    private static func leadingEOLs(_ buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            var index = 0
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "\n") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "\r") {
                    guard index + 1 < bytes.count else { return index == 0 ? nil : index }
                    guard bytes[index + 1] == UInt8(ascii: "\n") else { return index }
                    index += 2
                } else {
                    break
                }
            }
            return index
        }
    }

    private mutating func decodeHead(_ buffer: ByteBuffer) throws(STOMPDecodingError) -> Head? {
        let limit = self.limits.maxHeaderSectionSize
        let scanFrom = self.scanned
        let end: Int? = buffer.withUnsafeReadableBytes { bytes in
            var index = max(0, scanFrom - 2)
            while let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) {
                let next = newline + 1
                if next < bytes.count && bytes[next] == UInt8(ascii: "\n") { return next + 1 }
                if next + 1 < bytes.count && bytes[next] == UInt8(ascii: "\r") && bytes[next + 1] == UInt8(ascii: "\n")
                {
                    return next + 2
                }
                index = next
            }
            return nil
        }
        guard let end else {
            if buffer.readableBytes > limit { throw .headerSectionTooLarge(limit: limit) }
            self.scanned = buffer.readableBytes
            return nil
        }
        if end > limit { throw .headerSectionTooLarge(limit: limit) }
        return try buffer.withUnsafeReadableBytes { bytes throws(STOMPDecodingError) in
            try self.parseHead(UnsafeRawBufferPointer(rebasing: bytes[..<end]))
        }
    }

    /// Walks the lines in place (no array of lines: one allocation fewer per frame, and no growth).
    private func parseHead(_ bytes: UnsafeRawBufferPointer) throws(STOMPDecodingError) -> Head {
        let newline = UInt8(ascii: "\n")
        // The section ends with an empty line: every line before it, the command's included, ends with a newline.
        var newlines = 0
        for byte in bytes where byte == newline { newlines += 1 }
        let headerCount = newlines - 2
        var lineStart = 0
        func nextLine() -> Slice<UnsafeRawBufferPointer> {
            let end = bytes[lineStart...].firstIndex(of: newline)!
            defer { lineStart = end + 1 }
            return Self.trimCR(bytes[lineStart..<end])
        }
        let commandText = try Self.text(nextLine())
        guard let command = STOMPCommand(rawValue: commandText) else { throw .unknownCommand(commandText) }
        let escaping: STOMPHeaderEscaping = command.escapesHeaders ? self.version.escaping : .none
        if headerCount > self.limits.maxHeaders { throw .tooManyHeaders(limit: self.limits.maxHeaders) }
        var headers = STOMPHeaders()
        headers.entries.reserveCapacity(headerCount)
        var contentLength: Int?
        var sawContentLength = false
        for _ in 0..<headerCount {
            let line = nextLine()
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .headerWithoutColon }
            let name = try Self.unescape(line[..<colon], escaping)
            let value = try Self.unescape(line[(colon + 1)...], escaping)
            if name == "content-length" && !sawContentLength {
                sawContentLength = true
                guard let length = Int(value), length >= 0, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    throw .invalidContentLength(value)
                }
                if length > self.limits.maxBodySize { throw .bodyTooLarge(length, limit: self.limits.maxBodySize) }
                contentLength = length
            }
            headers.entries.append(STOMPHeaders.Entry(name: name, value: value))
        }
        return Head(command: command, headers: headers, length: bytes.count, contentLength: contentLength)
    }

    private static func trimCR(_ line: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        line.last == UInt8(ascii: "\r") ? line.dropLast() : line
    }

    private static func text(_ bytes: Slice<UnsafeRawBufferPointer>) throws(STOMPDecodingError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        return text
    }

    private static func unescape(
        _ bytes: Slice<UnsafeRawBufferPointer>,
        _ escaping: STOMPHeaderEscaping
    ) throws(STOMPDecodingError) -> String {
        guard escaping != .none, bytes.contains(UInt8(ascii: "\\")) else { return try Self.text(bytes) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                continue
            }
            guard index < bytes.endIndex else { throw .invalidEscape("\\") }
            let escaped = bytes[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
            case UInt8(ascii: "c"): out.append(UInt8(ascii: ":"))
            case UInt8(ascii: "r") where escaping == .v1_2: out.append(UInt8(ascii: "\r"))
            default: throw .invalidEscape("\\" + String(decoding: [escaped], as: UTF8.self))
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw .invalidUTF8 }
        return text
    }
}
