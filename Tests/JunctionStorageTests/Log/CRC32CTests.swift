import Testing

@testable import JunctionStorage

@Suite struct StorageCRC32CTests {
    @Test func matchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test(arguments: [
        ("", UInt32(0)),
        ("a", UInt32(0xC1D0_4330)),
        ("The quick brown fox jumps over the lazy dog", UInt32(0x2262_0404)),
    ])
    func matchesKnownValues(text: String, expected: UInt32) {
        #expect(CRC32C.checksum(Array(text.utf8)) == expected)
    }

    @Test func everyLengthAndAlignmentMatchesTheBitwiseDefinition() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for start in 0..<9 {
            for end in stride(from: start, through: bytes.count, by: 7) {
                let slice = Array(bytes[start..<end])
                #expect(CRC32C.checksum(slice) == Self.bitwise(slice), "bytes \(start)..<\(end)")
            }
        }
    }

    /// The CPU's instruction (when there is one) and the tables agree on every length, alignment and
    /// starting value; on x86-64 the instruction must be found (every x86-64 CPU since 2008 has SSE 4.2).
    @Test func theInstructionAndTheTablesAgree() {
        #if arch(x86_64)
            #expect(CRC32C.hardware)
        #endif
        let bytes = (0..<1100).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        for start in 0..<9 {
            for end in stride(from: start, through: bytes.count, by: 13) {
                bytes[start..<end].withUnsafeBytes { slice in
                    for seed: UInt32 in [0, 0xE306_9283] {
                        #expect(
                            CRC32C.checksum(slice, continuing: seed) == CRC32C.software(slice, continuing: seed),
                            "bytes \(start)..<\(end) from \(seed)")
                    }
                }
            }
        }
    }

    /// The CRC computed one bit at a time, straight from the polynomial.
    private static func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    @Test func continuesAcrossChunks() {
        let bytes = Array("123456789".utf8)
        let first = bytes[..<4].withUnsafeBytes { CRC32C.checksum($0) }
        let whole = bytes[4...].withUnsafeBytes { CRC32C.checksum($0, continuing: first) }
        #expect(whole == 0xE306_9283)
    }
}
