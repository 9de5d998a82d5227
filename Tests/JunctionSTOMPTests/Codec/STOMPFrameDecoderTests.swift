import JunctionSTOMP
import JunctionSTOMPCodec
import NIOCore
import Testing

@Suite("STOMP frame decoder")
struct STOMPFrameDecoderTests {
    func decodeAll(
        _ text: String, version: STOMPVersion = .v1_2, limits: STOMPFrameLimits = STOMPFrameLimits()
    )
        throws -> [STOMPInbound]
    {
        var buffer = ByteBuffer(string: text)
        var decoder = STOMPFrameDecoder(version: version, limits: limits)
        var items: [STOMPInbound] = []
        while let item = try decoder.decode(buffer: &buffer) {
            items.append(item)
        }
        return items
    }

    @Test func heartbeatsBetweenFrames() throws {
        let items = try self.decodeAll("\n\r\nSEND\ndestination:/queue/a\n\nx\0\n")
        #expect(items.count == 3)
        #expect(items[0] == .heartbeat)
        #expect(
            items[1] == .frame(STOMPFrame(.send, headers: ["destination": "/queue/a"], body: ByteBuffer(string: "x"))))
        #expect(items[2] == .heartbeat)
    }

    @Test func crlfLinesAreAccepted() throws {
        let items = try self.decodeAll("SEND\r\ndestination:/queue/a\r\n\r\nbody\0")
        #expect(
            items == [.frame(STOMPFrame(.send, headers: ["destination": "/queue/a"], body: ByteBuffer(string: "body")))]
        )
    }

    @Test func repeatedHeaderFirstWins() throws {
        let items = try self.decodeAll("MESSAGE\nfoo:World\nfoo:Hello\n\n\0")
        guard case .frame(let frame) = items[0] else {
            Issue.record("no frame")
            return
        }
        #expect(frame.headers["foo"] == "World")
        #expect(frame.headers.count == 2)
    }

    @Test(arguments: [
        ("\\n", "\n"), ("\\c", ":"), ("\\\\", "\\"), ("\\r", "\r"), ("a\\cb\\nc", "a:b\nc"),
    ])
    func unescapesIn12(escaped: String, plain: String) throws {
        let items = try self.decodeAll("SEND\nk:\(escaped)\n\n\0")
        guard case .frame(let frame) = items[0] else {
            Issue.record("no frame")
            return
        }
        #expect(frame.headers["k"] == plain)
    }

    @Test func connectHeadersAreNeverUnescaped() throws {
        let items = try self.decodeAll("CONNECT\npasscode:a\\cb\n\n\0")
        guard case .frame(let frame) = items[0] else {
            Issue.record("no frame")
            return
        }
        #expect(frame.headers["passcode"] == "a\\cb")
    }

    @Test func carriageReturnEscapeIsUndefinedIn11() {
        #expect(throws: STOMPDecodingError.invalidEscape("\\r")) {
            try self.decodeAll("SEND\nk:\\r\n\n\0", version: .v1_1)
        }
    }

    @Test func malformedInputs() {
        #expect(throws: STOMPDecodingError.unknownCommand("FOO")) { try self.decodeAll("FOO\n\n\0") }
        #expect(throws: STOMPDecodingError.headerWithoutColon) { try self.decodeAll("SEND\nnocolon\n\n\0") }
        #expect(throws: STOMPDecodingError.invalidEscape("\\t")) { try self.decodeAll("SEND\nk:\\t\n\n\0") }
        #expect(throws: STOMPDecodingError.invalidContentLength("x")) {
            try self.decodeAll("SEND\ncontent-length:x\n\n\0")
        }
        #expect(throws: STOMPDecodingError.invalidContentLength("-1")) {
            try self.decodeAll("SEND\ncontent-length:-1\n\n\0")
        }
        #expect(throws: STOMPDecodingError.missingNullTerminator) {
            try self.decodeAll("SEND\ncontent-length:2\n\nabc\0")
        }
    }

    @Test func bodyLimitFromContentLengthBeforeTheBodyArrives() {
        let limits = STOMPFrameLimits(maxBodySize: 10)
        #expect(throws: STOMPDecodingError.bodyTooLarge(11, limit: 10)) {
            try self.decodeAll("SEND\ncontent-length:11\n\n", limits: limits)
        }
    }

    @Test func bodyLimitWithoutContentLengthWhileScanning() {
        let limits = STOMPFrameLimits(maxBodySize: 10)
        #expect(throws: STOMPDecodingError.bodyTooLarge(11, limit: 10)) {
            try self.decodeAll("SEND\n\n" + String(repeating: "a", count: 11), limits: limits)
        }
        #expect(throws: Never.self) {
            try self.decodeAll("SEND\n\n" + String(repeating: "a", count: 10) + "\0", limits: limits)
        }
    }

    @Test func headerLimits() {
        #expect(throws: STOMPDecodingError.headerSectionTooLarge(limit: 32)) {
            try self.decodeAll(
                "SEND\nk:" + String(repeating: "v", count: 40), limits: STOMPFrameLimits(maxHeaderSectionSize: 32))
        }
        #expect(throws: STOMPDecodingError.tooManyHeaders(limit: 2)) {
            try self.decodeAll("SEND\na:1\nb:2\nc:3\n\n\0", limits: STOMPFrameLimits(maxHeaders: 2))
        }
    }

    @Test func dripFedInputKeepsScanPosition() throws {
        let text = Array(("SEND\ndestination:/queue/a\n\n" + String(repeating: "z", count: 100) + "\0SEND\n\n\0").utf8)
        var decoder = STOMPFrameDecoder(version: .v1_2)
        var buffer = ByteBuffer()
        var frames: [STOMPFrame] = []
        for byte in text {
            buffer.writeInteger(byte)
            while let item = try decoder.decode(buffer: &buffer) {
                if case .frame(let frame) = item { frames.append(frame) }
            }
        }
        #expect(frames.count == 2)
        #expect(frames[0].body.readableBytes == 100)
        #expect(frames[1] == STOMPFrame(.send))
    }

    @Test func bodyIsASliceNotACopy() throws {
        var buffer = ByteBuffer(string: "SEND\ncontent-length:4\n\nabcd\0")
        var decoder = STOMPFrameDecoder()
        guard case .frame(let frame)? = try decoder.decode(buffer: &buffer) else {
            Issue.record("no frame")
            return
        }
        let sameStorage = frame.body.withUnsafeReadableBytes { body in
            buffer.withUnsafeReadableBytes { rest in body.baseAddress! + 5 == rest.baseAddress! }
        }
        #expect(sameStorage)
    }
}
