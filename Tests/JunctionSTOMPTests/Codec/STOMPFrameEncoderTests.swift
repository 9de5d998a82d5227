import JunctionSTOMP
import JunctionSTOMPCodec
import NIOCore
import Testing

@Suite("STOMP frame encoder")
struct STOMPFrameEncoderTests {
    func encode(_ frame: STOMPFrame, _ version: STOMPVersion) -> String {
        var buffer = ByteBuffer()
        buffer.writeSTOMPFrame(frame, version: version)
        return String(buffer: buffer)
    }

    @Test func escapingPerVersion() {
        let frame = STOMPFrame(.message, headers: ["k": "a:b\nc\\d\re"])
        #expect(self.encode(frame, .v1_2) == "MESSAGE\nk:a\\cb\\nc\\\\d\\re\n\n\0")
        #expect(self.encode(frame, .v1_1) == "MESSAGE\nk:a\\cb\\nc\\\\d e\n\n\0")
        #expect(self.encode(frame, .v1_0) == "MESSAGE\nk:a:b c\\d e\n\n\0")
    }

    @Test func connectedIsNeverEscaped() {
        #expect(self.encode(STOMPFrame(.connected, headers: ["server": "a:b"]), .v1_2) == "CONNECTED\nserver:a:b\n\n\0")
    }

    @Test func bodyGetsContentLength() {
        let frame = STOMPFrame(.message, body: ByteBuffer(bytes: [0x61, 0x00, 0x62]))
        #expect(self.encode(frame, .v1_2) == "MESSAGE\ncontent-length:3\n\na\0b\0")
    }

    @Test(arguments: STOMPVersion.allCases)
    func roundTrip(version: STOMPVersion) throws {
        let frame = STOMPFrame(
            .send,
            headers: ["destination": "/queue/x", "custom": "with:colon\\and\nnewline", "content-length": "4"],
            body: ByteBuffer(bytes: [1, 0, 2, 0])
        )
        var buffer = ByteBuffer()
        buffer.writeSTOMPFrame(frame, version: version)
        var decoder = STOMPFrameDecoder(version: version)
        let decoded = try decoder.decode(buffer: &buffer)
        if version == .v1_0 {
            guard case .frame(let plain)? = decoded else {
                Issue.record("no frame")
                return
            }
            #expect(plain.headers["custom"] == "with:colon\\and newline")
        } else {
            #expect(decoded == .frame(frame))
        }
    }
}
