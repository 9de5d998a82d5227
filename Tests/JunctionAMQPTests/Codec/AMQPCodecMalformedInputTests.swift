import JunctionAMQP
import JunctionAMQPCodec
import JunctionTestSupport
import NIOCore
import Testing

/// Bytes no encoder of ours produced, each mapped to the exact error the decoder must throw.
@Suite struct AMQPCodecMalformedInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var hex: String
        var maxFrameSize = 4096
        var error: AMQPDecodingError
        var testDescription: String { self.name }
    }

    static let cases: [Case] = [
        Case(name: "bad frame end", hex: "08 0000 00000000 00", error: .invalidFrameEnd(0x00)),
        // Only the 7-byte header is given: the limit is enforced before the payload arrives.
        Case(
            name: "frame over maxFrameSize, header only", hex: "03 0001 00100000",
            error: .frameTooLarge(size: 0x10_0000 + 8, limit: 4096)),
        Case(
            name: "frame one byte over maxFrameSize", hex: "03 0001 00000ff9",
            error: .frameTooLarge(size: 4097, limit: 4096)),
        Case(name: "unknown frame type", hex: "04 0000 00000000 ce", error: .unknownFrameType(4)),
        Case(name: "AMQP 0-8 heartbeat type 4 before its payload", hex: "04 0000 0000", error: .unknownFrameType(4)),
        Case(
            name: "unknown class", hex: "01 0001 00000004 000b 000a ce",
            error: .unknownMethod(classID: 11, methodID: 10)),
        Case(
            name: "unknown method", hex: "01 0001 00000004 003c 0063 ce",
            error: .unknownMethod(classID: 60, methodID: 99)),
        Case(
            name: "method frame without method id", hex: "01 0000 00000002 000a ce",
            error: .methodFrameTooShort(size: 2)),
        Case(
            name: "truncated method payload: basic.ack without its bits",
            hex: "01 0001 0000000c 003c 0050 0000000000000001 ce", error: .malformedMethod(classID: 60, methodID: 80)),
        Case(
            name: "trailing bytes after basic.ack", hex: "01 0001 0000000e 003c 0050 0000000000000001 00 00 ce",
            error: .malformedMethod(classID: 60, methodID: 80)),
        Case(
            name: "field table longer than the method", hex: "01 0001 0000000d 0032 000a 0000 01 71 00 000000ff ce",
            error: .malformedMethod(classID: 50, methodID: 10)),
        Case(
            name: "value cut by its field table's length",
            hex: "01 0001 00000011 0032 000a 0000 01 71 00 00000004 01 6b 49 00 ce",
            error: .malformedMethod(classID: 50, methodID: 10)),
        Case(
            name: "bad field type tag", hex: "01 0001 00000010 0032 000a 0000 01 71 00 00000003 01 6b 5a ce",
            error: .invalidFieldValueType(0x5A)),
        Case(
            name: "bad field type tag inside an array",
            hex: "01 0001 0000001a 0032 000a 0000 01 71 00 0000000d 01 6b 41 00000006 62 01 7a 00 00 00 ce",
            error: .invalidFieldValueType(0x7A)),
        Case(
            name: "short string invalid UTF-8", hex: "01 0001 0000000b 003c 0028 0000 00 02 fffe 00 ce",
            error: .invalidUTF8),
        Case(
            name: "field name invalid UTF-8", hex: "01 0001 00000011 0032 000a 0000 01 71 00 00000004 01 c3 56 00 ce",
            error: .invalidUTF8),
        Case(
            name: "content header for class queue",
            hex: "02 0001 0000000e 0032 0000 0000000000000000 0000 ce", error: .unknownContentClass(50)),
        Case(
            name: "content header setting unused flag bit 1",
            hex: "02 0001 0000000e 003c 0000 0000000000000000 0002 ce", error: .malformedContentHeader),
        Case(
            name: "content header with a continuation flags word",
            hex: "02 0001 00000010 003c 0000 0000000000000000 0001 0000 ce", error: .malformedContentHeader),
        Case(
            name: "content header missing its flagged content-type",
            hex: "02 0001 0000000e 003c 0000 0000000000000005 8000 ce", error: .malformedContentHeader),
        Case(
            name: "content header shorter than its fixed fields", hex: "02 0001 00000004 003c 0000 ce",
            error: .malformedContentHeader),
    ]

    @Test(arguments: Self.cases)
    func throwsTheExactError(_ testCase: Case) throws {
        var buffer = ByteBuffer(bytes: try Vectors.parseHex(testCase.hex))
        var decoder = AMQPFrameDecoder(maxFrameSize: testCase.maxFrameSize)
        #expect(throws: testCase.error) { try decoder.decode(buffer: &buffer) }
    }

    @Test func rejectsFieldTablesNestedBeyondTheLimit() throws {
        // 40 nested tables, built by hand from the inside out: {"k": {"k": ... {} }}.
        var table: [UInt8] = [0, 0, 0, 0]
        for _ in 0..<40 {
            let entry: [UInt8] = [0x01, 0x6B, 0x46] + table
            table = withUnsafeBytes(of: UInt32(entry.count).bigEndian, Array.init) + entry
        }
        let payload: [UInt8] = [0x00, 0x32, 0x00, 0x0A, 0x00, 0x00, 0x01, 0x71, 0x00] + table
        var frame: [UInt8] = [0x01, 0x00, 0x01] + withUnsafeBytes(of: UInt32(payload.count).bigEndian, Array.init)
        frame += payload
        frame.append(0xCE)
        var buffer = ByteBuffer(bytes: frame)
        var decoder = AMQPFrameDecoder(maxFrameSize: 0)
        #expect(throws: AMQPDecodingError.fieldNestingTooDeep(limit: 32)) { try decoder.decode(buffer: &buffer) }
    }

    @Test func nothingIsConsumedWhenDecodingThrows() throws {
        var buffer = ByteBuffer(bytes: try Vectors.parseHex("01 0001 0000000c 003c 0050 0000000000000001 ce"))
        var decoder = AMQPFrameDecoder(maxFrameSize: 4096)
        #expect(throws: AMQPDecodingError.self) { try decoder.decode(buffer: &buffer) }
        #expect(buffer.readableBytes == 20)
    }

    @Test(arguments: [
        (AMQPDecodingError.invalidFrameEnd(0), UInt16(501)),
        (.frameTooLarge(size: 10, limit: 9), 501),
        (.unknownFrameType(4), 501),
        (.methodFrameTooShort(size: 1), 501),
        (.unsupportedProtocolHeader, 501),
        (.malformedMethod(classID: 60, methodID: 40), 502),
        (.malformedContentHeader, 502),
        (.invalidFieldValueType(0x5A), 502),
        (.invalidUTF8, 502),
        (.fieldNestingTooDeep(limit: 32), 502),
        (.unknownMethod(classID: 11, methodID: 10), 540),
        (.unknownContentClass(50), 540),
    ])
    func mapsToTheReplyCode(_ error: AMQPDecodingError, _ replyCode: UInt16) {
        #expect(error.replyCode == replyCode)
    }

    @Test func replyTextNamesTheConstantAndTheMethod() {
        let error = AMQPDecodingError.malformedMethod(classID: 60, methodID: 80)
        #expect(error.replyText == "SYNTAX_ERROR - malformed arguments of method 60.80")
        #expect(error.failingMethod?.classID == 60)
        #expect(error.failingMethod?.methodID == 80)
    }
}
