import CJunctionMD5
import Crypto
import NIOCore

/// The MD5 digests of message bodies in answers (`MD5OfMessageBody`, `MD5OfBody`), exactly as AWS computes them:
/// the digest of the body's UTF-8 bytes, in lowercase hex. They depend on the body alone, so they are added
/// on the connection's loop after the engine answered (`SQSConnectionHandler`), not on the engine loop: two
/// digests per message were ~8% of its CPU. A batch's and a receive's digests are made with their answers
/// (`SQSSentBatch`, `SQSReceivedMessages`), eight at a time (`md5(ofEach:)`), each written as hex straight into its answer.
enum SQSBodyDigests {
    /// How many bodies the CPU digests at once (`CJunctionMD5`: 8 with AVX2), or 0.
    static let lanes = Int(junction_md5_lane_count())

    /// The digests of a batch's bodies, 16 bytes each in one array: an answer writes each one's hex straight
    /// into its bytes (a hex `String` per body was a third of the SQS loops' allocations).
    struct List {
        fileprivate(set) var bytes: [UInt8]

        var count: Int { self.bytes.count / 16 }

        /// Digest `index` as 32 lowercase hex digits, written into `buffer`.
        func writeHex(_ index: Int, into buffer: inout ByteBuffer) {
            self.bytes.withUnsafeBytes { digests in
                _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 32) { output in
                    SQSSignatureV4.writeHex(
                        UnsafeRawBufferPointer(rebasing: digests[(16 * index)..<(16 * index + 16)]), into: output)
                    return 32
                }
            }
        }

        /// Digest `index` as lowercase hex (for the query protocol's answers, made through `JSONValue`).
        func hex(_ index: Int) -> String { SQSSignatureV4.hex(self.bytes[(16 * index)..<(16 * index + 16)]) }

        var hexStrings: [String] { (0..<self.count).map(self.hex) }
    }

    /// The MD5 digests (lowercase hex) of each of `bodies`, in order.
    static func md5Hex<Body: Collection<UInt8>>(ofEach bodies: [Body]) -> [String] {
        Self.md5(ofEach: bodies).hexStrings
    }

    /// The MD5 digests of each of `bodies`, in order: eight at a time on SIMD lanes when the CPU has them, one
    /// at a time with swift-crypto otherwise.
    static func md5<Body: Collection<UInt8>>(ofEach bodies: [Body]) -> List {
        var digests = List(bytes: [UInt8](repeating: 0, count: 16 * bodies.count))
        let total = bodies.reduce(0) { $0 + $1.count }
        guard Self.lanes > 0, bodies.count > 1, total > 0 else {
            for (index, body) in bodies.enumerated() {
                var digest = Insecure.MD5()
                if body.withContiguousStorageIfAvailable({ digest.update(bufferPointer: UnsafeRawBufferPointer($0)) })
                    == nil
                {
                    digest.update(data: Array(body))
                }
                digests.bytes.replaceSubrange((16 * index)..<(16 * index + 16), with: Array(digest.finalize()))
            }
            return digests
        }
        var regions: [UnsafeRawBufferPointer] = []
        regions.reserveCapacity(bodies.count)
        // Each body's own bytes, held in place by nested accesses while the lanes read them (a copy of every
        // body into one array went byte by byte for strings).
        let inPlace = Self.withContiguousBytes(of: bodies, from: 0, collecting: &regions) { regions in
            Self.runLanes(over: regions, into: &digests.bytes)
        }
        if inPlace { return digests }
        // One contiguous copy keeps every body's bytes in place while the lanes read them.
        var joined: [UInt8] = []
        joined.reserveCapacity(total)
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(bodies.count)
        for body in bodies {
            let start = joined.count
            joined.append(contentsOf: body)
            ranges.append(start..<joined.count)
        }
        joined.withUnsafeBytes { base in
            Self.runLanes(over: ranges.map { UnsafeRawBufferPointer(rebasing: base[$0]) }, into: &digests.bytes)
        }
        return digests
    }

    /// Calls `body` with the bytes of every one of `bodies` from `index` on added to `regions`, each held by
    /// its own `withContiguousStorageIfAvailable`; false (and `body` not called) when one has no contiguous
    /// storage.
    private static func withContiguousBytes<Body: Collection<UInt8>>(
        of bodies: [Body], from index: Int, collecting regions: inout [UnsafeRawBufferPointer],
        _ body: ([UnsafeRawBufferPointer]) -> Void
    ) -> Bool {
        guard index < bodies.count else {
            body(regions)
            return true
        }
        let done = bodies[index].withContiguousStorageIfAvailable { bytes in
            regions.append(UnsafeRawBufferPointer(bytes))
            return Self.withContiguousBytes(of: bodies, from: index + 1, collecting: &regions, body)
        }
        return done ?? false
    }

    /// The digests of `regions`, `lanes` at a time, 16 bytes each into `digests`.
    private static func runLanes(over regions: [UnsafeRawBufferPointer], into digests: inout [UInt8]) {
        // An empty region may have no address; the lanes read none of its bytes, but take an address.
        var placeholder: UInt8 = 0
        withUnsafePointer(to: &placeholder) { empty in
            digests.withUnsafeMutableBufferPointer { output in
                // A chunk's pointers and lengths on the stack, not two arrays per chunk.
                withUnsafeTemporaryAllocation(of: UnsafePointer<UInt8>.self, capacity: Self.lanes) { pointers in
                    withUnsafeTemporaryAllocation(of: Int.self, capacity: Self.lanes) { lengths in
                        for first in stride(from: 0, to: regions.count, by: Self.lanes) {
                            let count = min(Self.lanes, regions.count - first)
                            for lane in 0..<count {
                                let region = regions[first + lane]
                                pointers[lane] = region.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? empty
                                lengths[lane] = region.count
                            }
                            junction_md5_lanes(
                                pointers.baseAddress!, lengths.baseAddress!, count, output.baseAddress! + 16 * first)
                        }
                    }
                }
            }
        }
    }

    /// `result` of `action` with its body digests in place, where AWS puts them.
    static func complete(_ result: JSONValue, action: String, request: SQSRequest) -> JSONValue {
        switch action {
        case "SendMessage":
            guard let body = request.sends.first?.body else { return result }
            let digest = Self.md5Hex(ofEach: [body.readableBytesView])[0]
            return Self.inserting(("MD5OfMessageBody", .string(digest)), after: "MessageId", into: result)
        default:
            return result
        }
    }

    private static func inserting(_ member: (String, JSONValue), after name: String, into value: JSONValue) -> JSONValue
    {
        guard case .object(var members) = value else { return value }
        let position = members.firstIndex { $0.0 == name }.map { $0 + 1 } ?? members.count
        members.insert(member, at: position)
        return .object(members)
    }
}
