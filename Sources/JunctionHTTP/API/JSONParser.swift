import NIOCore

/// A strict JSON parser (RFC 8259) over UTF-8 bytes, with a depth limit so a hostile body cannot
/// exhaust the stack. Object key order is preserved. It reads the bytes where they are (a request body is
/// not copied into an array first); callers that want some members as bytes rather than values walk an
/// object or array themselves with `withParser`, `members` and `items` (the SQS send path keeps message
/// bodies as bytes, `SQSSendEntry`).
public struct JSONParser {
    public enum ParseError: Error, Equatable {
        case unexpected(offset: Int)
        case tooDeep
    }

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private let maxDepth: Int

    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(ParseError) -> JSONValue {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(ParseError) in try Self.parse(raw, maxDepth: maxDepth) }
        }.get()
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(ParseError) -> JSONValue {
        try Self.withParser(bytes, maxDepth: maxDepth) { parser throws(ParseError) in try parser.parseValue(depth: 0) }
    }

    /// Runs `body` on a parser over `bytes` positioned at the first value; the value `body` reads must be
    /// the whole document (only whitespace may follow).
    static func withParser<Result>(
        _ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64,
        _ body: (inout JSONParser) throws(ParseError) -> Result
    ) throws(ParseError) -> Result {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.skipWhitespace()
        let result = try body(&parser)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw .unexpected(offset: parser.index) }
        return result
    }

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    private var current: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    private mutating func expect(_ literal: String) throws(ParseError) {
        for byte in literal.utf8 {
            guard self.current == byte else { throw .unexpected(offset: self.index) }
            self.index += 1
        }
    }

    /// The value at the current position (at depth `depth`), consumed.
    mutating func parseValue(depth: Int) throws(ParseError) -> JSONValue {
        guard depth < self.maxDepth else { throw .tooDeep }
        switch self.current {
        case UInt8(ascii: "{"): return try self.parseObject(depth: depth)
        case UInt8(ascii: "["): return try self.parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"):
            try self.expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.expect("null")
            return .null
        default: return try self.parseNumber()
        }
    }

    private mutating func parseObject(depth: Int) throws(ParseError) -> JSONValue {
        var members: [(String, JSONValue)] = []
        // Room for a small object's members at once: growing from empty took two or three allocations.
        members.reserveCapacity(8)
        try self.members(depth: depth) { key, parser throws(ParseError) in
            members.append((key, try parser.parseValue(depth: depth + 1)))
        }
        return .object(members)
    }

    private mutating func parseArray(depth: Int) throws(ParseError) -> JSONValue {
        var items: [JSONValue] = []
        // Room for a batch's ten entries at once.
        items.reserveCapacity(10)
        try self.items(depth: depth) { parser throws(ParseError) in
            items.append(try parser.parseValue(depth: depth + 1))
        }
        return .array(items)
    }

    private mutating func parseString() throws(ParseError) -> String {
        self.index += 1
        // Most strings (SQS bodies, names) have no escape: one scan, then one String made from the run.
        let start = self.index
        let end = JSONByteScan.firstSpecial(in: self.bytes, from: start, delete: false)
        if end < self.bytes.count && self.bytes[end] == UInt8(ascii: "\"") {
            self.index = end + 1
            return String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[start..<end]), as: UTF8.self)
        }
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []
        func flush(_ run: inout [UInt8], into scalars: inout String.UnicodeScalarView) {
            scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
            run.removeAll(keepingCapacity: true)
        }
        while let byte = self.current {
            self.index += 1
            switch byte {
            case UInt8(ascii: "\""):
                flush(&run, into: &scalars)
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(&run, into: &scalars)
                guard let escape = self.current else { throw .unexpected(offset: self.index) }
                self.index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try self.parseHex4()
                    if (0xD800..<0xDC00).contains(code) {
                        try self.expect("\\u")
                        let low = try self.parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw .unexpected(offset: self.index) }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw .unexpected(offset: self.index) }
                    scalars.append(scalar)
                default: throw .unexpected(offset: self.index - 1)
                }
            case 0..<0x20:
                throw .unexpected(offset: self.index - 1)
            default:
                run.append(byte)
            }
        }
        throw .unexpected(offset: self.index)
    }

    private mutating func parseHex4() throws(ParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = self.current else { throw .unexpected(offset: self.index) }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw .unexpected(offset: self.index)
            }
            value = value << 4 | digit
            self.index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(ParseError) -> JSONValue {
        let start = self.index
        var isInteger = true
        if self.current == UInt8(ascii: "-") { self.index += 1 }
        var sawDigit = false
        while let byte = self.current {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"):
                isInteger = false
            default:
                return try self.finishNumber(start: start, isInteger: isInteger, sawDigit: sawDigit)
            }
            self.index += 1
        }
        return try self.finishNumber(start: start, isInteger: isInteger, sawDigit: sawDigit)
    }

    private func finishNumber(start: Int, isInteger: Bool, sawDigit: Bool) throws(ParseError) -> JSONValue {
        guard sawDigit else { throw .unexpected(offset: start) }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        guard let value = Double(text) else { throw .unexpected(offset: start) }
        return .double(value)
    }
}

// MARK: Walking an object or array member by member

extension JSONParser {
    /// Whether the value at the current position is an object (`{`), an array (`[`) or a string (`"`).
    var isAtObject: Bool { self.current == UInt8(ascii: "{") }
    var isAtArray: Bool { self.current == UInt8(ascii: "[") }
    var isAtString: Bool { self.current == UInt8(ascii: "\"") }

    /// Reads the object at the current position (at depth `depth`), calling `member` with each key; `member`
    /// must consume the member's value (with `parseValue(depth: depth + 1)` or another reader).
    mutating func members(
        depth: Int, _ member: (String, inout JSONParser) throws(ParseError) -> Void
    ) throws(ParseError) {
        guard depth < self.maxDepth else { throw .tooDeep }
        guard self.isAtObject else { throw .unexpected(offset: self.index) }
        self.index += 1
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.index += 1
            return
        }
        while true {
            self.skipWhitespace()
            guard self.isAtString else { throw .unexpected(offset: self.index) }
            let key = try self.parseString()
            self.skipWhitespace()
            try self.expect(":")
            self.skipWhitespace()
            try member(key, &self)
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return
            default: throw .unexpected(offset: self.index)
            }
        }
    }

    /// Reads the array at the current position (at depth `depth`), calling `item` for each element, which it
    /// must consume.
    mutating func items(depth: Int, _ item: (inout JSONParser) throws(ParseError) -> Void) throws(ParseError) {
        guard depth < self.maxDepth else { throw .tooDeep }
        guard self.isAtArray else { throw .unexpected(offset: self.index) }
        self.index += 1
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.index += 1
            return
        }
        while true {
            self.skipWhitespace()
            try item(&self)
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return
            default: throw .unexpected(offset: self.index)
            }
        }
    }

    /// The string at the current position as UTF-8 bytes, consumed: what `parseValue` would make a `String`
    /// of (the same unescaping, bytes that are not UTF-8 replaced by U+FFFD), without the `String` when the
    /// text is ASCII with no escape (an SQS message body, which becomes a message's body as bytes).
    mutating func parseStringBytes() throws(ParseError) -> ByteBuffer {
        guard self.isAtString else { throw .unexpected(offset: self.index) }
        let start = self.index + 1
        let end = JSONByteScan.firstSpecial(in: self.bytes, from: start, delete: false)
        if end < self.bytes.count && self.bytes[end] == UInt8(ascii: "\"") {
            let run = UnsafeRawBufferPointer(rebasing: self.bytes[start..<end])
            if JSONByteScan.isASCII(run) {
                self.index = end + 1
                var buffer = ByteBufferAllocator().buffer(capacity: run.count)
                buffer.writeBytes(run)
                return buffer
            }
        }
        return ByteBuffer(string: try self.parseString())
    }
}
