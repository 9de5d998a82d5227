/// A strict JSON parser (RFC 8259) over UTF-8 bytes, with a depth limit so a hostile body cannot
/// exhaust the stack. Object key order is preserved.
public struct JSONParser {
    public enum ParseError: Error, Equatable {
        case unexpected(offset: Int)
        case tooDeep
    }

    private let bytes: [UInt8]
    private var index = 0
    private let maxDepth: Int

    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(ParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw .unexpected(offset: parser.index) }
        return value
    }

    private init(bytes: [UInt8], maxDepth: Int) {
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

    private mutating func parseValue(depth: Int) throws(ParseError) -> JSONValue {
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
        self.index += 1
        var members: [(String, JSONValue)] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.current == UInt8(ascii: "\"") else { throw .unexpected(offset: self.index) }
            let key = try self.parseString()
            self.skipWhitespace()
            try self.expect(":")
            self.skipWhitespace()
            members.append((key, try self.parseValue(depth: depth + 1)))
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            default: throw .unexpected(offset: self.index)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(ParseError) -> JSONValue {
        self.index += 1
        var items: [JSONValue] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.index += 1
            return .array(items)
        }
        while true {
            self.skipWhitespace()
            items.append(try self.parseValue(depth: depth + 1))
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(items)
            default: throw .unexpected(offset: self.index)
            }
        }
    }

    private mutating func parseString() throws(ParseError) -> String {
        self.index += 1
        // Most strings (SQS bodies, names) have no escape: one scan, then one String made from the run.
        let start = self.index
        let end = self.bytes.withUnsafeBytes { JSONByteScan.firstSpecial(in: $0, from: start, delete: false) }
        if end < self.bytes.count && self.bytes[end] == UInt8(ascii: "\"") {
            self.index = end + 1
            return self.bytes.withUnsafeBufferPointer {
                String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self)
            }
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
        let text = String(decoding: self.bytes[start..<self.index], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        guard let value = Double(text) else { throw .unexpected(offset: start) }
        return .double(value)
    }
}
