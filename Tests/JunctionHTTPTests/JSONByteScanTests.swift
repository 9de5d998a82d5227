import NIOCore
import Testing

@testable import JunctionHTTP

/// The 16-bytes-per-step scans (`CJunctionByteScan`) against byte-at-a-time definitions, and the byte writer
/// against the string writer, over generated text whose special characters fall at every offset of a step,
/// in the whole steps and in the tail after them.
@Suite("JSON byte scans")
struct JSONByteScanTests {
    /// A small deterministic generator (SplitMix64), so a failure repeats.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = self.state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return mixed ^ (mixed >> 31)
        }
    }

    /// Mostly plain characters, with quotes, backslashes, every control character, DEL, `/` and multi-byte
    /// scalars mixed in.
    static func text(_ random: inout Seeded) -> String {
        let specials: [Unicode.Scalar] =
            ["\"", "\\", "\u{7F}", "/", "é", "€", "😀", "\u{FFFD}"] + (0..<0x20).map { Unicode.Scalar(UInt8($0)) }
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...80, using: &random) {
            if Int.random(in: 0..<6, using: &random) == 0 {
                scalars.append(specials.randomElement(using: &random)!)
            } else {
                scalars.append(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &random)))
            }
        }
        return String(scalars)
    }

    @Test func firstSpecialFindsWhatAByteLoopFinds() {
        var random = Seeded(state: 1)
        for _ in 0..<5_000 {
            let bytes = Array(Self.text(&random).utf8)
            let start = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &random)
            for delete in [false, true] {
                let expected =
                    bytes[start...].firstIndex {
                        $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || (delete && $0 == 0x7F)
                    } ?? bytes.count
                let found = bytes.withUnsafeBytes { JSONByteScan.firstSpecial(in: $0, from: start, delete: delete) }
                #expect(found == expected, "\(bytes) from \(start), delete \(delete)")
            }
        }
    }

    /// One special byte at every position of plain text of every length up to three steps, and every byte
    /// value in the first step: what the vector compares and their tails must each catch.
    @Test func everyByteAtEveryPositionIsFound() {
        for length in 0...48 {
            for position in 0..<max(length, 1) {
                for byte in position < 16 ? Array(0...UInt8.max) : [0x00, 0x09, 0x1F, 0x22, 0x5C, 0x7F, 0x80, 0xFF] {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    if length > 0 { bytes[position] = byte }
                    bytes.withUnsafeBytes { raw in
                        for delete in [false, true] {
                            let expected =
                                bytes.firstIndex { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || (delete && $0 == 0x7F) }
                                ?? length
                            #expect(JSONByteScan.firstSpecial(in: raw, from: 0, delete: delete) == expected)
                            #expect(JSONByteScan.firstSpecial(in: raw, from: length, delete: delete) == length)
                        }
                        #expect(JSONByteScan.isASCII(raw) == bytes.allSatisfy { $0 < 0x80 })
                        #expect(
                            JSONByteScan.isPlainJSONASCII(raw)
                                == bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C })
                        #expect(
                            JSONByteScan.isPlainText(raw)
                                == bytes.allSatisfy { ($0 >= 0x20 && $0 < 0x80) || $0 == 0x9 || $0 == 0xA || $0 == 0xD }
                        )
                    }
                }
            }
        }
    }

    @Test func plainTextIsPrintableASCIITabLFAndCR() {
        var random = Seeded(state: 2)
        for _ in 0..<5_000 {
            var bytes = (0..<Int.random(in: 0...80, using: &random)).map { _ in
                UInt8.random(in: 0x20...0x7E, using: &random)
            }
            // One byte of any value at any position, or none.
            if !bytes.isEmpty && Bool.random(using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...0xFF, using: &random)
            }
            let expected = bytes.allSatisfy { ($0 >= 0x20 && $0 < 0x80) || $0 == 0x9 || $0 == 0xA || $0 == 0xD }
            #expect(bytes.withUnsafeBytes { JSONByteScan.isPlainText($0) } == expected, "\(bytes)")
            #expect(bytes.withUnsafeBytes { JSONByteScan.isASCII($0) } == bytes.allSatisfy { $0 < 0x80 }, "\(bytes)")
        }
        #expect(SQSMessageAttribute.isValidBody(ByteBuffer(string: "line one\r\n\tline two, then é and 😀")))
        #expect(!SQSMessageAttribute.isValidBody(ByteBuffer(string: "a bell \u{07} inside")))
        #expect(!SQSMessageAttribute.isValidBody(ByteBuffer(string: "\u{FFFE}")))
    }

    @Test func bytesMatchTheStringWriterAndParseBack() throws {
        var random = Seeded(state: 3)
        for _ in 0..<2_000 {
            let key = Self.text(&random)
            let value = JSONValue.object([
                (key, .string(Self.text(&random))),
                ("list", .array([.string(Self.text(&random)), .int(-42), .bool(true), .null, .double(1.5)])),
            ])
            let bytes = value.serializedBuffer
            #expect(String(buffer: bytes) == value.serialized)
            #expect(try JSONParser.parse(Array(bytes.readableBytesView)) == value)
        }
        #expect(
            String(buffer: JSONValue.string("a\u{0}b\u{1F}\u{7F}\"\\").serializedBuffer)
                == #""a\u0000b\u001f\u007f\"\\""#)
    }
}
