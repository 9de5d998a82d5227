import JunctionStorage
import Testing

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

    @Test func continuesAcrossChunks() {
        let bytes = Array("123456789".utf8)
        let first = bytes[..<4].withUnsafeBytes { CRC32C.checksum($0) }
        let whole = bytes[4...].withUnsafeBytes { CRC32C.checksum($0, continuing: first) }
        #expect(whole == 0xE306_9283)
    }
}
