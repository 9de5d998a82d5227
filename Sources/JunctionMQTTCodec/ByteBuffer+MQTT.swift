import JunctionModel
public import NIOCore

extension ByteBuffer {
    /// Reads a variable byte integer (1-4 bytes) at `index` without moving the reader index.
    /// Returns nil when the buffer ends first; throws when a fifth byte would be needed.
    @inlinable
    public func getMQTTVariableByteInteger(at index: Int) throws(MQTTDecodingError) -> (value: Int, length: Int)? {
        var value = 0
        var multiplier = 1
        for offset in 0..<4 {
            guard let byte = self.getInteger(at: index + offset, as: UInt8.self) else { return nil }
            value += Int(byte & 0x7F) * multiplier
            if byte & 0x80 == 0 { return (value, offset + 1) }
            multiplier *= 128
        }
        throw .malformedVariableByteInteger
    }

    /// Reads a variable byte integer; a cut-short value is `.truncated` (inside a framed packet).
    @inlinable
    public mutating func readMQTTVariableByteInteger() throws(MQTTDecodingError) -> Int {
        guard let (value, length) = try self.getMQTTVariableByteInteger(at: self.readerIndex) else {
            throw .truncated
        }
        self.moveReaderIndex(forwardBy: length)
        return value
    }

    @inlinable
    @discardableResult
    public mutating func writeMQTTVariableByteInteger(_ value: Int) -> Int {
        precondition(value >= 0 && value <= MQTTLimits.maximumVariableByteInteger)
        var remaining = value
        var written = 0
        repeat {
            var byte = UInt8(remaining & 0x7F)
            remaining >>= 7
            if remaining > 0 { byte |= 0x80 }
            self.writeInteger(byte)
            written += 1
        } while remaining > 0
        return written
    }

    @inlinable
    static func mqttVariableByteIntegerLength(_ value: Int) -> Int {
        switch value {
        case ..<128: 1
        case ..<16_384: 2
        case ..<2_097_152: 3
        default: 4
        }
    }

    mutating func readMQTTByte() throws(MQTTDecodingError) -> UInt8 {
        guard let value = self.readInteger(as: UInt8.self) else { throw .truncated }
        return value
    }

    mutating func readMQTTUInt16() throws(MQTTDecodingError) -> UInt16 {
        guard let value = self.readInteger(as: UInt16.self) else { throw .truncated }
        return value
    }

    mutating func readMQTTUInt32() throws(MQTTDecodingError) -> UInt32 {
        guard let value = self.readInteger(as: UInt32.self) else { throw .truncated }
        return value
    }

    /// Binary data: two-byte length, then that many bytes, returned as a slice (no copy).
    mutating func readMQTTBinary() throws(MQTTDecodingError) -> ByteBuffer {
        let length = try self.readMQTTUInt16()
        guard let slice = self.readSlice(length: Int(length)) else { throw .truncated }
        return slice
    }

    /// A UTF-8 encoded string [MQTT-1.5.4]: well-formed, no U+0000.
    mutating func readMQTTString() throws(MQTTDecodingError) -> String {
        let length = Int(try self.readMQTTUInt16())
        guard self.readableBytes >= length else { throw .truncated }
        let string: String? = self.withUnsafeReadableBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw.prefix(length))
            if bytes.contains(0) { return nil }
            return String(validating: bytes, as: UTF8.self)
        }
        guard let string else { throw .invalidUTF8 }
        self.moveReaderIndex(forwardBy: length)
        return string
    }

    /// Reads a string as `readMQTTString` does, returning the cached one when the bytes match it.
    mutating func readMQTTString(cache: inout RepeatedStringCache) throws(MQTTDecodingError) -> String {
        if let length = self.getInteger(at: self.readerIndex, as: UInt16.self),
            let cached = cache.take(from: &self, lengthFieldBytes: 2, length: Int(length))
        {
            return cached
        }
        let string = try self.readMQTTString()
        cache.remember(string)
        return string
    }

    mutating func writeMQTTString(_ string: String) {
        let length = string.utf8.count
        self.writeInteger(UInt16(truncatingIfNeeded: length))
        self.writeString(string)
    }

    mutating func writeMQTTBinary(_ bytes: ByteBuffer) {
        self.writeInteger(UInt16(truncatingIfNeeded: bytes.readableBytes))
        self.writeImmutableBuffer(bytes)
    }

    /// Writes one packet: the fixed header byte, the remaining length and the body. The variable
    /// header is written by `body` into reserved room and moved next to the header (a few bytes),
    /// then the payload (if any) is appended, so the payload is written once.
    @discardableResult
    mutating func writeMQTTPacket(
        firstByte: UInt8,
        payload: ByteBuffer? = nil,
        _ body: (inout ByteBuffer) -> Void
    ) -> Int {
        let start = self.writerIndex
        self.writeInteger(firstByte)
        let reserved = 4
        self.writeRepeatingByte(0, count: reserved)
        let bodyStart = self.writerIndex
        body(&self)
        let headerLength = self.writerIndex - bodyStart
        let remaining = headerLength + (payload?.readableBytes ?? 0)
        let lengthSize = Self.mqttVariableByteIntegerLength(remaining)
        // Close the gap (a few bytes of variable header), then write the length after the first byte.
        if lengthSize < reserved, headerLength > 0 {
            _ = try? self.copyBytes(at: bodyStart, to: start + 1 + lengthSize, length: headerLength)
        }
        self.moveWriterIndex(to: start + 1)
        self.writeMQTTVariableByteInteger(remaining)
        self.moveWriterIndex(to: start + 1 + lengthSize + headerLength)
        if let payload {
            self.writeImmutableBuffer(payload)
        }
        return self.writerIndex - start
    }
}

/// Numeric limits from the specification.
public enum MQTTLimits {
    /// 268,435,455: the largest remaining length (four bytes of seven bits).
    public static let maximumVariableByteInteger = 268_435_455
}
