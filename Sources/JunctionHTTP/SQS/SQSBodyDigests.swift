import CJunctionMD5
import Crypto
import NIOCore

/// The MD5 digests of message bodies in answers (`MD5OfMessageBody`, `MD5OfBody`), exactly as AWS computes them:
/// the digest of the body's UTF-8 bytes, in lowercase hex. They depend on the body alone, so they are added
/// on the connection's loop after the engine answered (`SQSConnectionHandler`), not on the engine loop: two
/// digests per message were ~8% of its CPU. A batch's and a receive's digests are made with their answers
/// (`SQSSentBatch`, `SQSReceivedMessages`), eight at a time (`md5Hex(ofEach:)`).
enum SQSBodyDigests {
    /// How many bodies the CPU digests at once (`CJunctionMD5`: 8 with AVX2), or 0.
    static let lanes = Int(junction_md5_lane_count())

    /// The MD5 digests (lowercase hex) of each of `bodies`, in order: eight at a time on SIMD lanes when the
    /// CPU has them, one at a time with swift-crypto otherwise.
    static func md5Hex<Body: Collection<UInt8>>(ofEach bodies: [Body]) -> [String] {
        let total = bodies.reduce(0) { $0 + $1.count }
        guard Self.lanes > 0, bodies.count > 1, total > 0 else {
            return bodies.map { body in
                var digest = Insecure.MD5()
                if body.withContiguousStorageIfAvailable({ digest.update(bufferPointer: UnsafeRawBufferPointer($0)) })
                    == nil
                {
                    digest.update(data: Array(body))
                }
                return SQSSignatureV4.hex(digest.finalize())
            }
        }
        var digests = [UInt8](repeating: 0, count: 16 * bodies.count)
        var regions: [UnsafeRawBufferPointer] = []
        regions.reserveCapacity(bodies.count)
        // Each body's own bytes, held in place by nested accesses while the lanes read them (a copy of every
        // body into one array went byte by byte for strings).
        let inPlace = Self.withContiguousBytes(of: bodies, from: 0, collecting: &regions) { regions in
            Self.runLanes(over: regions, into: &digests)
        }
        if inPlace { return Self.hexDigests(digests, count: bodies.count) }
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
            Self.runLanes(over: ranges.map { UnsafeRawBufferPointer(rebasing: base[$0]) }, into: &digests)
        }
        return Self.hexDigests(digests, count: bodies.count)
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
                for first in stride(from: 0, to: regions.count, by: Self.lanes) {
                    let chunk = regions[first..<min(first + Self.lanes, regions.count)]
                    let pointers = chunk.map { $0.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? empty }
                    let lengths = chunk.map(\.count)
                    junction_md5_lanes(pointers, lengths, chunk.count, output.baseAddress! + 16 * first)
                }
            }
        }
    }

    private static func hexDigests(_ digests: [UInt8], count: Int) -> [String] {
        (0..<count).map { SQSSignatureV4.hex(digests[(16 * $0)..<(16 * $0 + 16)]) }
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
