import Crypto
import NIOCore
import Testing

@testable import JunctionHTTP

/// The bodies' MD5 digests computed eight at a time on SIMD lanes (`CJunctionMD5`) are swift-crypto's, for
/// every length around MD5's padding boundaries (55/56 bytes in a block, 64, 119/120, …), mixed lengths in
/// one batch, and batches of every size up to two rounds of lanes and a partial third.
@Suite("SQS body digests")
struct SQSBodyDigestTests {
    static func reference(_ bytes: [UInt8]) -> String { SQSSignatureV4.hex(Insecure.MD5.hash(data: bytes)) }

    static func body(_ length: Int, seed: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ ($0 >> 8)) }
    }

    @Test func lanesAreFoundOnThisKindOfCPU() {
        #if arch(x86_64)
            // Every x86-64 machine this runs on (CI included) has AVX2; without it the lanes are not tested.
            #expect(SQSBodyDigests.lanes == 8)
        #endif
    }

    @Test func everyPaddingBoundaryMatchesSwiftCrypto() {
        let lengths = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 121, 127, 128, 129, 1000, 1024, 4099]
        // Each length in every lane position, its neighbours of other lengths.
        for rotation in 0..<lengths.count {
            let bodies = (0..<lengths.count).map { Self.body(lengths[($0 + rotation) % lengths.count], seed: $0) }
            #expect(SQSBodyDigests.md5Hex(ofEach: bodies) == bodies.map(Self.reference), "rotation \(rotation)")
        }
    }

    @Test func everyBatchSizeMatchesSwiftCrypto() {
        for count in 0...19 {
            let bodies = (0..<count).map { Self.body(1024, seed: $0) }
            #expect(SQSBodyDigests.md5Hex(ofEach: bodies) == bodies.map(Self.reference), "\(count) bodies")
        }
        #expect(
            SQSBodyDigests.md5Hex(ofEach: [Array("".utf8), Array("".utf8)])
                == [String](repeating: "d41d8cd98f00b204e9800998ecf8427e", count: 2))
        #expect(SQSBodyDigests.md5Hex(ofEach: ["body".utf8, "body".utf8])[1] == "841a2d689ad86bd1611447453c22c6fc")
        // Bodies without contiguous storage are copied together first: the same digests.
        let lazyBodies = (0..<11).map { seed in (0..<(97 * seed)).lazy.map { UInt8(truncatingIfNeeded: $0 ^ seed) } }
        #expect(SQSBodyDigests.md5Hex(ofEach: lazyBodies) == lazyBodies.map { Self.reference(Array($0)) })
    }

    /// The hex an answer writes straight into its bytes is the hex of each digest, in order, behind what the
    /// buffer already holds.
    @Test func hexWrittenIntoABufferIsEachDigests() {
        let bodies = (0..<10).map { Self.body(100 * $0, seed: $0) }
        let digests = SQSBodyDigests.md5(ofEach: bodies)
        var buffer = ByteBuffer(string: "head:")
        for index in 0..<digests.count {
            digests.writeHex(index, into: &buffer)
            buffer.writeString(",")
        }
        #expect(String(buffer: buffer) == "head:" + bodies.map { Self.reference($0) + "," }.joined())
    }
}
