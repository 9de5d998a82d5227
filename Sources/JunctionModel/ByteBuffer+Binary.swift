public import NIOCore

/// The canonical binary encoding of strings and field tables: AMQP 0-9-1's (§4.2.5, RabbitMQ's type tags),
/// shared by the AMQP codec and the message-log record format so neither copies the other. Reads return nil
/// when the buffer is too short and then consume nothing; they throw only for bytes that can never be valid.
extension ByteBuffer {
    /// Field tables and arrays may nest this deep; a peer cannot make the decoder recurse further.
    public static let maximumFieldNesting = 32

    // MARK: - Strings

    /// Reads a short string: a length octet then at most 255 bytes of UTF-8, validated.
    public mutating func readBinaryShortString() throws(BinaryEncodingError) -> String? {
        guard let length = self.getInteger(at: self.readerIndex, as: UInt8.self) else { return nil }
        guard let string = try self.getBinaryUTF8String(at: self.readerIndex + 1, length: Int(length)) else {
            return nil
        }
        self.moveReaderIndex(forwardBy: 1 + Int(length))
        return string
    }

    /// Writes a short string. Longer strings are cut to 255 bytes at a scalar boundary (a reply text quoting a
    /// long name must not trap); names are validated against the limit where they enter the broker.
    @discardableResult
    public mutating func writeBinaryShortString(_ string: String) -> Int {
        let utf8 = string.utf8
        guard utf8.count > 255 else {
            return self.writeInteger(UInt8(utf8.count)) + self.writeString(string)
        }
        var end = utf8.index(utf8.startIndex, offsetBy: 255)
        while end > utf8.startIndex, UTF8.isContinuation(utf8[end]) {
            end = utf8.index(before: end)
        }
        let bytes = utf8[..<end]
        return self.writeInteger(UInt8(bytes.count)) + self.writeBytes(bytes)
    }

    /// Reads a long string as bytes: a 32-bit length then that many bytes.
    public mutating func readBinaryLongStringBytes() -> [UInt8]? {
        guard let length = self.getInteger(at: self.readerIndex, as: UInt32.self),
            let bytes = self.getBytes(at: self.readerIndex + 4, length: Int(length))
        else { return nil }
        self.moveReaderIndex(forwardBy: 4 + Int(length))
        return bytes
    }

    /// Reads a long string as text, validating UTF-8.
    public mutating func readBinaryLongString() throws(BinaryEncodingError) -> String? {
        guard let length = self.getInteger(at: self.readerIndex, as: UInt32.self),
            let string = try self.getBinaryUTF8String(at: self.readerIndex + 4, length: Int(length))
        else { return nil }
        self.moveReaderIndex(forwardBy: 4 + Int(length))
        return string
    }

    @discardableResult
    public mutating func writeBinaryLongString(_ string: String) -> Int {
        self.writeInteger(UInt32(string.utf8.count)) + self.writeString(string)
    }

    @discardableResult
    public mutating func writeBinaryLongString(bytes: [UInt8]) -> Int {
        self.writeInteger(UInt32(bytes.count)) + self.writeBytes(bytes)
    }

    /// Reads in place (no slice, so no retain of the storage). Names are nearly always ASCII, which needs no
    /// decoding beyond the check; the generic validating initialiser is left for the rest.
    private func getBinaryUTF8String(at index: Int, length: Int) throws(BinaryEncodingError) -> String? {
        let offset = index - self.readerIndex
        guard offset >= 0, length >= 0, offset + length <= self.readableBytes else { return nil }
        let string: String? = self.withUnsafeReadableBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length])
            var union: UInt8 = 0
            for byte in bytes { union |= byte }
            if union < 0x80 {
                return String(decoding: bytes, as: UTF8.self)
            }
            return String(validating: bytes, as: UTF8.self)
        }
        guard let string else { throw BinaryEncodingError.invalidUTF8 }
        return string
    }

    // MARK: - Field tables

    /// Reads a field table: a 32-bit byte count then name/value pairs (§4.2.5.5, RabbitMQ's type tags).
    /// Returns nil when truncated (including a value cut by the table's own length).
    public mutating func readBinaryFieldTable() throws(BinaryEncodingError) -> FieldTable? {
        try self.readBinaryFieldTable(depth: 0)
    }

    private mutating func readBinaryFieldTable(depth: Int) throws(BinaryEncodingError) -> FieldTable? {
        guard depth < Self.maximumFieldNesting else {
            throw BinaryEncodingError.fieldNestingTooDeep(limit: Self.maximumFieldNesting)
        }
        guard let length = self.getInteger(at: self.readerIndex, as: UInt32.self),
            var content = self.getSlice(at: self.readerIndex + 4, length: Int(length))
        else { return nil }
        var table = FieldTable()
        while content.readableBytes > 0 {
            guard let key = try content.readBinaryShortString(),
                let value = try content.readBinaryFieldValue(depth: depth)
            else { return nil }
            table.entries.append((key: key, value: value))
        }
        self.moveReaderIndex(forwardBy: 4 + Int(length))
        return table
    }

    private mutating func readBinaryFieldArray(depth: Int) throws(BinaryEncodingError) -> [FieldValue]? {
        guard depth < Self.maximumFieldNesting else {
            throw BinaryEncodingError.fieldNestingTooDeep(limit: Self.maximumFieldNesting)
        }
        guard let length = self.getInteger(at: self.readerIndex, as: UInt32.self),
            var content = self.getSlice(at: self.readerIndex + 4, length: Int(length))
        else { return nil }
        var values: [FieldValue] = []
        while content.readableBytes > 0 {
            guard let value = try content.readBinaryFieldValue(depth: depth) else { return nil }
            values.append(value)
        }
        self.moveReaderIndex(forwardBy: 4 + Int(length))
        return values
    }

    /// Reads one tagged value. Only called on a slice that is dropped when it returns nil, so partial reads are fine.
    private mutating func readBinaryFieldValue(depth: Int) throws(BinaryEncodingError) -> FieldValue? {
        guard let tag = self.readInteger(as: UInt8.self) else { return nil }
        switch tag {
        case UInt8(ascii: "t"): return self.readInteger(as: UInt8.self).map { .boolean($0 != 0) }
        case UInt8(ascii: "b"): return self.readInteger(as: Int8.self).map { .int8($0) }
        case UInt8(ascii: "B"): return self.readInteger(as: UInt8.self).map { .uint8($0) }
        // 's' is RabbitMQ's int16; 'U' is the 0-9-1 spec's, accepted on read.
        case UInt8(ascii: "s"), UInt8(ascii: "U"): return self.readInteger(as: Int16.self).map { .int16($0) }
        case UInt8(ascii: "u"): return self.readInteger(as: UInt16.self).map { .uint16($0) }
        case UInt8(ascii: "I"): return self.readInteger(as: Int32.self).map { .int32($0) }
        case UInt8(ascii: "i"): return self.readInteger(as: UInt32.self).map { .uint32($0) }
        // 'l' is RabbitMQ's int64; 'L' is the 0-9-1 spec's, accepted on read.
        case UInt8(ascii: "l"), UInt8(ascii: "L"): return self.readInteger(as: Int64.self).map { .int64($0) }
        case UInt8(ascii: "f"): return self.readInteger(as: UInt32.self).map { .float(Float(bitPattern: $0)) }
        case UInt8(ascii: "d"): return self.readInteger(as: UInt64.self).map { .double(Double(bitPattern: $0)) }
        case UInt8(ascii: "D"):
            guard let scale = self.readInteger(as: UInt8.self), let value = self.readInteger(as: UInt32.self) else {
                return nil
            }
            return .decimal(scale: scale, value: value)
        case UInt8(ascii: "S"): return self.readBinaryLongStringBytes().map { .longString($0) }
        case UInt8(ascii: "x"): return self.readBinaryLongStringBytes().map { .byteArray($0) }
        case UInt8(ascii: "T"): return self.readInteger(as: UInt64.self).map { .timestamp($0) }
        case UInt8(ascii: "F"): return try self.readBinaryFieldTable(depth: depth + 1).map { .table($0) }
        case UInt8(ascii: "A"): return try self.readBinaryFieldArray(depth: depth + 1).map { .array($0) }
        case UInt8(ascii: "V"): return .void
        default: throw BinaryEncodingError.invalidFieldValueType(tag)
        }
    }

    /// Writes a field table with RabbitMQ's type tags.
    @discardableResult
    public mutating func writeBinaryFieldTable(_ table: FieldTable) -> Int {
        let lengthIndex = self.writerIndex
        self.writeInteger(UInt32(0))
        for entry in table.entries {
            self.writeBinaryShortString(entry.key)
            self.writeBinaryFieldValue(entry.value)
        }
        let length = self.writerIndex - lengthIndex - 4
        self.setInteger(UInt32(length), at: lengthIndex)
        return 4 + length
    }

    @discardableResult
    public mutating func writeBinaryFieldArray(_ values: [FieldValue]) -> Int {
        let lengthIndex = self.writerIndex
        self.writeInteger(UInt32(0))
        for value in values {
            self.writeBinaryFieldValue(value)
        }
        let length = self.writerIndex - lengthIndex - 4
        self.setInteger(UInt32(length), at: lengthIndex)
        return 4 + length
    }

    @discardableResult
    public mutating func writeBinaryFieldValue(_ value: FieldValue) -> Int {
        switch value {
        case .boolean(let v): self.writeTag("t") + self.writeInteger(UInt8(v ? 1 : 0))
        case .int8(let v): self.writeTag("b") + self.writeInteger(v)
        case .uint8(let v): self.writeTag("B") + self.writeInteger(v)
        case .int16(let v): self.writeTag("s") + self.writeInteger(v)
        case .uint16(let v): self.writeTag("u") + self.writeInteger(v)
        case .int32(let v): self.writeTag("I") + self.writeInteger(v)
        case .uint32(let v): self.writeTag("i") + self.writeInteger(v)
        case .int64(let v): self.writeTag("l") + self.writeInteger(v)
        case .float(let v): self.writeTag("f") + self.writeInteger(v.bitPattern)
        case .double(let v): self.writeTag("d") + self.writeInteger(v.bitPattern)
        case .decimal(let scale, let v): self.writeTag("D") + self.writeInteger(scale) + self.writeInteger(v)
        case .longString(let bytes): self.writeTag("S") + self.writeBinaryLongString(bytes: bytes)
        case .byteArray(let bytes): self.writeTag("x") + self.writeBinaryLongString(bytes: bytes)
        case .timestamp(let v): self.writeTag("T") + self.writeInteger(v)
        case .table(let table): self.writeTag("F") + self.writeBinaryFieldTable(table)
        case .array(let values): self.writeTag("A") + self.writeBinaryFieldArray(values)
        case .void: self.writeTag("V")
        }
    }

    private mutating func writeTag(_ tag: Unicode.Scalar) -> Int {
        self.writeInteger(UInt8(ascii: tag))
    }
}
