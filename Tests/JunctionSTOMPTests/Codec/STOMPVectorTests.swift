import JunctionSTOMP
import JunctionSTOMPCodec
import JunctionTestSupport
import NIOCore
import Testing

@Suite("STOMP golden vectors from stomp.py")
struct STOMPVectorTests {
    static let allVectors: [String] = {
        var names: [String] = []
        for version in ["1.0", "1.1", "1.2"] {
            let connect = version == "1.0" ? "connect" : "stomp"
            let nack = version == "1.0" ? [] : ["nack"]
            for name in [
                connect, "subscribe", "send", "send2", "send3", "ack", "begin", "commit", "unsubscribe", "disconnect",
            ]
                + nack
            {
                names.append("stomppy-\(version)-\(name).hex")
            }
        }
        return names
    }()

    static func decodeOne(_ name: String, version: STOMPVersion = .v1_2) throws -> STOMPFrame {
        var bytes = try Vectors.load("stomp/\(name)")
        var decoder = STOMPFrameDecoder(version: version)
        guard case .frame(let frame)? = try decoder.decode(buffer: &bytes) else {
            Issue.record("\(name) did not decode to a frame")
            return STOMPFrame(.error)
        }
        #expect(bytes.readableBytes == 0)
        return frame
    }

    @Test func connect12() throws {
        let frame = try Self.decodeOne("stomppy-1.2-stomp.hex")
        #expect(frame.command == .stomp)
        #expect(frame.headers == ["accept-version": "1.2", "host": "/", "login": "guest", "passcode": "guest"])
        #expect(frame.body.readableBytes == 0)
    }

    @Test func subscribe12() throws {
        let frame = try Self.decodeOne("stomppy-1.2-subscribe.hex")
        #expect(frame.command == .subscribe)
        #expect(
            frame.headers == [
                "ack": "client-individual", "destination": "/queue/a", "id": "s1", "prefetch-count": "10",
            ]
        )
    }

    /// stomp.py escapes values but not names: `colon:key` becomes name `colon` and the rest is the value.
    @Test func sendWithEscapedHeader12() throws {
        let frame = try Self.decodeOne("stomppy-1.2-send.hex")
        #expect(frame.command == .send)
        #expect(frame.headers["colon"] == "key:line\nbreak\\back:slash")
        #expect(frame.headers["destination"] == "/topic/x.y")
        #expect(frame.headers["persistent"] == "true")
        #expect(frame.body == ByteBuffer(string: "hello"))
    }

    static func version(of name: String) -> STOMPVersion {
        STOMPVersion(rawValue: String(name.dropFirst("stomppy-".count).prefix(3))) ?? .v1_2
    }

    /// stomp.py does not escape in 1.0: the newline in the value splits it into two header lines.
    @Test func sendWithRawNewlineIn10() throws {
        let frame = try Self.decodeOne("stomppy-1.0-send.hex", version: .v1_0)
        #expect(frame.headers["colon"] == "key:line")
        #expect(frame.headers["break\\back"] == "slash")
    }

    @Test func sendWithoutUnescapingIn10() throws {
        let frame = try Self.decodeOne("stomppy-1.2-send.hex", version: .v1_0)
        #expect(frame.headers["colon"] == "key:line\\nbreak\\\\back\\cslash")
    }

    @Test(arguments: ["1.0", "1.1", "1.2"])
    func bodyWithNulUsesContentLength(version: String) throws {
        let frame = try Self.decodeOne("stomppy-\(version)-send2.hex")
        #expect(frame.body == ByteBuffer(bytes: Array("nul".utf8) + [0] + Array("inside".utf8)))
        #expect(frame.headers["content-type"] == "application/octet-stream")
    }

    @Test func ackAndNack() throws {
        #expect(try Self.decodeOne("stomppy-1.2-ack.hex").headers == ["id": "s1@@1"])
        #expect(try Self.decodeOne("stomppy-1.2-nack.hex").headers == ["id": "s1@@2", "requeue": "false"])
        #expect(try Self.decodeOne("stomppy-1.1-ack.hex").headers == ["message-id": "s1@@1", "subscription": "s1"])
    }

    @Test func transactionFrames() throws {
        #expect(try Self.decodeOne("stomppy-1.2-begin.hex") == STOMPFrame(.begin, headers: ["transaction": "tx1"]))
        #expect(try Self.decodeOne("stomppy-1.2-commit.hex") == STOMPFrame(.commit, headers: ["transaction": "tx1"]))
        let send = try Self.decodeOne("stomppy-1.2-send3.hex")
        #expect(send.headers["transaction"] == "tx1")
        #expect(send.body == ByteBuffer(string: "in tx"))
    }

    @Test(arguments: Self.allVectors)
    func everyVectorDecodesAndEveryPrefixIsIncomplete(name: String) throws {
        let version = Self.version(of: name)
        let whole = try Vectors.load("stomp/\(name)")
        for cut in 0..<whole.readableBytes {
            var partial = whole.getSlice(at: 0, length: cut)!
            var decoder = STOMPFrameDecoder(version: version)
            #expect(try decoder.decode(buffer: &partial) == nil, "prefix \(cut) of \(name)")
            #expect(partial.readableBytes == cut)
        }
        var bytes = whole
        var decoder = STOMPFrameDecoder(version: version)
        #expect(try decoder.decode(buffer: &bytes) != nil)
        #expect(bytes.readableBytes == 0)
    }

    @Test(arguments: Self.allVectors)
    func reencodingReproducesTheClientBytes(name: String) throws {
        let version = Self.version(of: name)
        let whole = try Vectors.load("stomp/\(name)")
        // stomp.py leaves `:` in header names unescaped; we escape it in the value we re-encode.
        guard name != "stomppy-1.2-send.hex", name != "stomppy-1.1-send.hex" else { return }
        var bytes = whole
        var decoder = STOMPFrameDecoder(version: version)
        guard case .frame(let frame)? = try decoder.decode(buffer: &bytes) else {
            Issue.record("no frame")
            return
        }
        var encoded = ByteBuffer()
        encoded.writeSTOMPFrame(frame, version: version)
        #expect(encoded == whole)
    }
}
