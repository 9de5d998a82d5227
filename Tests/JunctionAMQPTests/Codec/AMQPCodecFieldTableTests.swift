import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionTestSupport
import NIOCore
import Testing

@testable import JunctionAMQP
@testable import JunctionAMQPCodec

@Suite struct AMQPCodecFieldTableTests {
    static let everyValue: [FieldValue] = [
        .boolean(true), .boolean(false), .int8(-128), .uint8(255), .int16(-32768), .uint16(65535),
        .int32(Int32.min), .uint32(UInt32.max), .int64(Int64.min), .float(3.5), .double(-0.125),
        .decimal(scale: 2, value: 12345), .longString(Array("héllo".utf8)), .longString([0xFF, 0x00]),
        .timestamp(1_700_000_000), .table(["inner": .int8(1), "deeper": .table(["x": .void])]),
        .array([.int32(1), .string("two"), .array([.boolean(false)]), .table(["k": .uint16(3)])]),
        .array([]), .byteArray([0, 1, 2, 0xFF]), .void,
    ]

    @Test(arguments: Self.everyValue)
    func valueSurvivesARoundTrip(_ value: FieldValue) throws {
        let table: FieldTable = ["before": .int8(1), "value": value, "after": .string("end")]
        var buffer = ByteBuffer()
        buffer.writeAMQPFieldTable(table)
        #expect(try buffer.readAMQPFieldTable() == table)
        #expect(buffer.readableBytes == 0)
    }

    @Test func writesRabbitMQTypeTags() throws {
        let table: FieldTable = [
            "t": .boolean(true), "b": .int8(-1), "B": .uint8(1), "s": .int16(-2), "u": .uint16(2), "I": .int32(-3),
            "i": .uint32(3), "l": .int64(-4), "f": .float(1), "d": .double(1), "D": .decimal(scale: 1, value: 5),
            "S": .string("a"), "T": .timestamp(6), "F": .table([:]), "A": .array([]), "x": .byteArray([7]),
            "V": .void,
        ]
        var buffer = ByteBuffer()
        buffer.writeAMQPFieldTable(table)
        let expected = try Vectors.parseHex(
            """
            00 00 00 75
            01 74 74 01                        # t: boolean true
            01 62 62 ff                        # b: int8 -1
            01 42 42 01                        # B: uint8 1
            01 73 73 ff fe                     # s: int16 -2 (RabbitMQ's tag)
            01 75 75 00 02                     # u: uint16 2
            01 49 49 ff ff ff fd               # I: int32 -3
            01 69 69 00 00 00 03               # i: uint32 3
            01 6c 6c ff ff ff ff ff ff ff fc   # l: int64 -4 (RabbitMQ's tag)
            01 66 66 3f 80 00 00               # f: float 1
            01 64 64 3f f0 00 00 00 00 00 00   # d: double 1
            01 44 44 01 00 00 00 05            # D: decimal scale 1, value 5
            01 53 53 00 00 00 01 61            # S: long string "a"
            01 54 54 00 00 00 00 00 00 00 06   # T: timestamp 6
            01 46 46 00 00 00 00               # F: empty table
            01 41 41 00 00 00 00               # A: empty array
            01 78 78 00 00 00 01 07            # x: byte array [7]
            01 56 56                           # V: void
            """)
        #expect(buffer == ByteBuffer(bytes: expected))
    }

    @Test func acceptsTheSpecificationsInt16AndInt64Tags() throws {
        // AMQP 0-9-1's own table uses 'U' for short-int and 'L' for long-long-int; RabbitMQ writes 's' and 'l'.
        var buffer = ByteBuffer(
            bytes: try Vectors.parseHex("00 00 00 10  01 61 55 ff fe  01 62 4c 00 00 00 00 00 00 00 09"))
        #expect(try buffer.readAMQPFieldTable() == ["a": .int16(-2), "b": .int64(9)])
    }

    @Test func truncatedTableReturnsNilAndConsumesNothing() throws {
        var full = ByteBuffer()
        full.writeAMQPFieldTable(["key": .string("value"), "n": .array([.int32(1)])])
        for cut in 0..<full.readableBytes {
            var partial = full.getSlice(at: 0, length: cut)!
            #expect(try partial.readAMQPFieldTable() == nil)
            #expect(partial.readableBytes == cut)
        }
    }

    // MARK: - Short strings

    @Test(arguments: [0, 1, 255])
    func shortStringsUpTo255BytesSurvive(_ length: Int) throws {
        let string = String(repeating: "a", count: length)
        var buffer = ByteBuffer()
        #expect(buffer.writeAMQPShortString(string) == 1 + length)
        #expect(buffer.getInteger(at: 0, as: UInt8.self) == UInt8(length))
        #expect(try buffer.readAMQPShortString() == string)
    }

    @Test func longerShortStringsAreCutAtAScalarBoundary() throws {
        // 127 two-byte scalars then one more: the cut must not split "é" at byte 255.
        let string = String(repeating: "é", count: 128)
        var buffer = ByteBuffer()
        #expect(buffer.writeAMQPShortString(string) == 1 + 254)
        #expect(try buffer.readAMQPShortString() == String(repeating: "é", count: 127))
    }

    @Test(arguments: [[0xC3], [0xFF], [0xED, 0xA0, 0x80], [0x61, 0x80]] as [[UInt8]])
    func shortStringRejectsInvalidUTF8(_ bytes: [UInt8]) {
        var buffer = ByteBuffer(bytes: [UInt8(bytes.count)] + bytes)
        #expect(throws: AMQPDecodingError.invalidUTF8) { try buffer.readAMQPShortString() }
    }

    @Test func shortStringCutShortReturnsNil() throws {
        var buffer = ByteBuffer(bytes: [0x03, 0x61, 0x62])
        #expect(try buffer.readAMQPShortString() == nil)
        #expect(buffer.readableBytes == 3)
    }

    @Test func bitsPackLowestFirst() {
        var buffer = ByteBuffer()
        buffer.writeAMQPBits(true, false, true, false, true)
        #expect(buffer.readInteger(as: UInt8.self) == 0b10101)
    }
}
