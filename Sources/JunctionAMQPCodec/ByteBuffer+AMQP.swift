import JunctionModel
import NIOCore

/// AMQP 0-9-1 wire primitives (§4.2.5). Strings and field tables use the broker's canonical binary
/// encoding (`JunctionCore`'s `ByteBuffer+Binary`, which is AMQP's); these wrappers only map its errors.
/// Reads return nil when the buffer is too short and then consume nothing; they throw only for bytes that
/// can never be valid.
extension ByteBuffer {
    mutating func readAMQPShortString() throws(AMQPDecodingError) -> String? {
        try Self.mapping { () throws(BinaryEncodingError) in try self.readBinaryShortString() }
    }

    @discardableResult
    mutating func writeAMQPShortString(_ string: String) -> Int {
        self.writeBinaryShortString(string)
    }

    mutating func readAMQPLongStringBytes() -> [UInt8]? {
        self.readBinaryLongStringBytes()
    }

    mutating func readAMQPLongString() throws(AMQPDecodingError) -> String? {
        try Self.mapping { () throws(BinaryEncodingError) in try self.readBinaryLongString() }
    }

    @discardableResult
    mutating func writeAMQPLongString(_ string: String) -> Int {
        self.writeBinaryLongString(string)
    }

    @discardableResult
    mutating func writeAMQPLongString(bytes: [UInt8]) -> Int {
        self.writeBinaryLongString(bytes: bytes)
    }

    mutating func readAMQPFieldTable() throws(AMQPDecodingError) -> FieldTable? {
        try Self.mapping { () throws(BinaryEncodingError) in try self.readBinaryFieldTable() }
    }

    @discardableResult
    mutating func writeAMQPFieldTable(_ table: FieldTable) -> Int {
        self.writeBinaryFieldTable(table)
    }

    /// Writes up to eight consecutive bit fields packed into one octet, the first in the lowest bit (§4.2.5.2).
    @discardableResult
    mutating func writeAMQPBits(
        _ bit0: Bool, _ bit1: Bool = false, _ bit2: Bool = false, _ bit3: Bool = false, _ bit4: Bool = false
    ) -> Int {
        var octet: UInt8 = 0
        if bit0 { octet |= 1 << 0 }
        if bit1 { octet |= 1 << 1 }
        if bit2 { octet |= 1 << 2 }
        if bit3 { octet |= 1 << 3 }
        if bit4 { octet |= 1 << 4 }
        return self.writeInteger(octet)
    }

    private static func mapping<T>(_ body: () throws(BinaryEncodingError) -> T) throws(AMQPDecodingError) -> T {
        do {
            return try body()
        } catch {
            throw AMQPDecodingError(error)
        }
    }
}

extension AMQPDecodingError {
    /// The binary encoding's failures, as AMQP reports them (all 502 SYNTAX_ERROR).
    init(_ error: BinaryEncodingError) {
        switch error {
        case .invalidFieldValueType(let tag): self = .invalidFieldValueType(tag)
        case .fieldNestingTooDeep(let limit): self = .fieldNestingTooDeep(limit: limit)
        case .invalidUTF8: self = .invalidUTF8
        }
    }
}
