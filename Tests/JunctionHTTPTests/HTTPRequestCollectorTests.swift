import NIOCore
import NIOHTTP1
import Testing

@testable import JunctionHTTP

/// One request collected from NIO's parts: a body in one part is that part, a body in several is their bytes
/// in order (with or without a declared length), a body over the limit is read to its end and reported, and a
/// part that does not fit the request being read is a broken peer.
@Suite("HTTP request collector")
struct HTTPRequestCollectorTests {
    static func head(length: Int?) -> HTTPRequestHead {
        var headers = HTTPHeaders([("Host", "h")])
        if let length { headers.add(name: "Content-Length", value: String(length)) }
        return HTTPRequestHead(version: .http1_1, method: .POST, uri: "/", headers: headers)
    }

    static func collect(_ parts: [HTTPServerRequestPart], limit: Int = 100) -> [String] {
        var collector = HTTPRequestCollector(maxBodyBytes: limit)
        return parts.map { part in
            switch collector.read(part, allocator: ByteBufferAllocator()) {
            case .collecting: "collecting"
            case .complete(_, let body): "complete \(String(buffer: body))"
            case .tooLarge: "tooLarge"
            case .outOfOrder: "outOfOrder"
            }
        }
    }

    @Test func bodiesInOneOrSeveralPartsAreTheirBytesInOrder() {
        #expect(
            Self.collect([.head(Self.head(length: 5)), .body(ByteBuffer(string: "hello")), .end(nil)])
                == ["collecting", "collecting", "complete hello"])
        for length in [11, nil, 3] {
            #expect(
                Self.collect([
                    .head(Self.head(length: length)), .body(ByteBuffer(string: "hel")),
                    .body(ByteBuffer(string: "lo ")),
                    .body(ByteBuffer(string: "world")), .end(nil),
                ]).last == "complete hello world")
        }
        #expect(Self.collect([.head(Self.head(length: nil)), .end(nil)]).last == "complete ")
        // The collector is ready for the next request.
        #expect(
            Self.collect([
                .head(Self.head(length: 1)), .body(ByteBuffer(string: "a")), .end(nil), .head(Self.head(length: 1)),
                .body(ByteBuffer(string: "b")), .end(nil),
            ]).filter { $0 != "collecting" } == ["complete a", "complete b"])
    }

    /// A part sliced out of a larger read is kept as it came, not copied: its bytes are the request's body.
    @Test func aBodyInOnePartIsThatSlice() {
        let read = ByteBuffer(string: "GET-ish bytes|the body|more")
        let slice = read.getSlice(at: 14, length: 8)!
        var collector = HTTPRequestCollector(maxBodyBytes: 100)
        _ = collector.read(.head(Self.head(length: 8)), allocator: ByteBufferAllocator())
        _ = collector.read(.body(slice), allocator: ByteBufferAllocator())
        guard case .complete(_, let body) = collector.read(.end(nil), allocator: ByteBufferAllocator()) else {
            Issue.record("not complete")
            return
        }
        #expect(String(buffer: body) == "the body")
        #expect(body.storageCapacity == read.storageCapacity)
    }

    @Test func bodiesOverTheLimitAreReadToTheirEndAndReported() {
        #expect(
            Self.collect([.head(Self.head(length: 101)), .body(ByteBuffer(string: "x")), .end(nil)])
                == ["collecting", "collecting", "tooLarge"])
        let half = ByteBuffer(repeating: UInt8(ascii: "x"), count: 60)
        #expect(
            Self.collect([.head(Self.head(length: nil)), .body(half), .body(half), .body(half), .end(nil)]).last
                == "tooLarge")
        #expect(
            Self.collect([.head(Self.head(length: nil)), .body(ByteBuffer(repeating: 0, count: 101)), .end(nil)]).last
                == "tooLarge")
        #expect(
            Self.collect([.head(Self.head(length: 100)), .body(ByteBuffer(repeating: 0x61, count: 100)), .end(nil)])
                .last == "complete " + String(repeating: "a", count: 100))
    }

    @Test func partsOutOfOrderAreABrokenPeer() {
        #expect(Self.collect([.body(ByteBuffer(string: "x"))]) == ["outOfOrder"])
        #expect(Self.collect([.end(nil)]) == ["outOfOrder"])
        #expect(Self.collect([.head(Self.head(length: nil)), .head(Self.head(length: nil))]).last == "outOfOrder")
    }
}
