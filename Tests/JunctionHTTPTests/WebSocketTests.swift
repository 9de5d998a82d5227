import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionTransport
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import JunctionHTTP

/// A protocol that writes back every byte it reads: stands in for STOMP/MQTT behind the seam.
struct EchoListener: ProtocolListener {
    var protocolName: String { "Echo" }

    func initializeConnection(
        _ channel: any Channel, broker: Broker, connectionID: ConnectionID, isLoopback: Bool
    ) throws {
        try channel.pipeline.syncOperations.addHandler(EchoHandler())
    }

    final class EchoHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Self.unwrapInboundIn(data)
            if String(buffer: bytes) == "quit" {
                context.close(promise: nil)
            } else {
                context.writeAndFlush(Self.wrapOutboundOut(bytes), promise: nil)
            }
        }
    }
}

private let maskKey: WebSocketMaskingKey = [1, 2, 3, 4]

private func clientFrame(
    _ opcode: WebSocketOpcode, _ text: String, fin: Bool = true, masked: Bool = true
) -> WebSocketFrame {
    var data = ByteBuffer(string: text)
    if masked { data.webSocketMask(maskKey) }
    return WebSocketFrame(fin: fin, opcode: opcode, maskKey: masked ? maskKey : nil, data: data)
}

@Suite("HTTP WebSocket frame handler")
struct WebSocketFrameHandlerTests {
    private func makeChannel(text: Bool = true) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: WebSocketFrameHandler(sendsTextFrames: text))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    @Test func fragmentsArriveInOrderAsBytes() throws {
        let channel = try self.makeChannel()
        try channel.writeInbound(clientFrame(.text, "ab", fin: false))
        try channel.writeInbound(clientFrame(.continuation, "cd", fin: false))
        try channel.writeInbound(clientFrame(.continuation, "e"))
        try channel.writeInbound(clientFrame(.binary, "f"))
        var received: [String] = []
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { received.append(String(buffer: buffer)) }
        #expect(received == ["ab", "cd", "e", "f"])
    }

    @Test func continuationWithoutAStartIsAProtocolError() throws {
        let channel = try self.makeChannel()
        try channel.writeInbound(clientFrame(.continuation, "x"))
        let close = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(close.opcode == .connectionClose)
        var data = close.data
        #expect(data.readWebSocketErrorCode() == .protocolError)
        #expect(!channel.isActive)
    }

    @Test func newMessageInsideAFragmentedOneIsAProtocolError() throws {
        let channel = try self.makeChannel()
        try channel.writeInbound(clientFrame(.text, "a", fin: false))
        try channel.writeInbound(clientFrame(.text, "b"))
        #expect(try channel.readOutbound(as: WebSocketFrame.self)?.opcode == .connectionClose)
    }

    @Test func unmaskedClientFramesAreRefused() throws {
        let channel = try self.makeChannel()
        try channel.writeInbound(clientFrame(.text, "a", masked: false))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(try channel.readOutbound(as: WebSocketFrame.self)?.opcode == .connectionClose)
    }

    @Test func pingIsAnsweredWithPongCarryingThePayload() throws {
        let channel = try self.makeChannel()
        try channel.writeInbound(clientFrame(.ping, "hb"))
        let pong = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(pong.opcode == .pong)
        #expect(String(buffer: pong.data) == "hb")
        try channel.writeInbound(clientFrame(.pong, "ignored"))
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
    }

    @Test func peerCloseIsEchoedThenTheConnectionCloses() throws {
        let channel = try self.makeChannel()
        var payload = ByteBuffer()
        payload.write(webSocketErrorCode: .goingAway)
        payload.webSocketMask(maskKey)
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: maskKey, data: payload))
        let reply = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(reply.opcode == .connectionClose)
        var data = reply.data
        #expect(data.readWebSocketErrorCode() == .goingAway)
        #expect(!channel.isActive)
    }

    @Test func outboundBytesBecomeTextOrBinaryFrames() throws {
        let text = try self.makeChannel(text: true)
        try text.writeOutbound(ByteBuffer(string: "CONNECTED"))
        #expect(try text.readOutbound(as: WebSocketFrame.self)?.opcode == .text)
        let binary = try self.makeChannel(text: false)
        try binary.writeOutbound(ByteBuffer(string: "\u{20}"))
        let frame = try #require(try binary.readOutbound(as: WebSocketFrame.self))
        #expect(frame.opcode == .binary)
        #expect(frame.fin)
        #expect(frame.maskKey == nil)
    }

    @Test func protocolInitiatedCloseSendsACloseFrameFirst() throws {
        let channel = try self.makeChannel()
        channel.close(promise: nil)
        let close = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(close.opcode == .connectionClose)
        var data = close.data
        #expect(data.readWebSocketErrorCode() == .normalClosure)
    }
}

@Suite("HTTP WebSocket upgrade seam")
struct WebSocketUpgradeTests {
    private static let routes = [
        "/ws": WebSocketRoute(
            subprotocols: ["v12.stomp", "v11.stomp"], listener: EchoListener(), sendsTextFrames: true)
    ]

    private func upgradeRequest(
        path: String = "/ws", protocols: String = "v11.stomp, v12.stomp", origin: String? = nil
    ) -> String {
        "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + (protocols.isEmpty ? "" : "Sec-WebSocket-Protocol: \(protocols)\r\n")
            + (origin.map { "Origin: \($0)\r\n" } ?? "") + "\r\n"
    }

    private func maskedBytes(_ opcode: UInt8, _ text: String) -> ByteBuffer {
        let payload = Array(text.utf8)
        var buffer = ByteBuffer(bytes: [0x80 | opcode, 0x80 | UInt8(payload.count)] + maskKey)
        buffer.writeBytes(payload.enumerated().map { $0.element ^ maskKey[$0.offset % 4] })
        return buffer
    }

    @Test func upgradeNegotiatesSubprotocolAndEchoesThroughTheInnerListener() throws {
        let harness = try HTTPHarness(routes: Self.routes)
        try harness.channel.writeInbound(ByteBuffer(string: self.upgradeRequest()))
        harness.channel.embeddedEventLoop.run()
        let response = try #require(try harness.readResponse())
        #expect(response.status == 101)
        #expect(response.headers["sec-websocket-protocol"] == "v11.stomp")
        #expect(response.headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        try harness.channel.writeInbound(self.maskedBytes(0x1, "SEND\n\nhi\u{0}"))
        var out = ByteBuffer()
        while var part = try harness.channel.readOutbound(as: ByteBuffer.self) { out.writeBuffer(&part) }
        #expect(out.readInteger(as: UInt8.self) == 0x81)
        #expect(out.readInteger(as: UInt8.self) == 9)
        #expect(out.readString(length: 9) == "SEND\n\nhi\u{0}")
        let listed = harness.broker.connection(ConnectionID(1))?.summary
        #expect(listed?.transport == "WebSocket")
        #expect(listed?.protocolName == "Echo")
    }

    @Test func innerCloseSendsACloseFrame() throws {
        let harness = try HTTPHarness(routes: Self.routes)
        try harness.channel.writeInbound(ByteBuffer(string: self.upgradeRequest(protocols: "")))
        harness.channel.embeddedEventLoop.run()
        #expect(try harness.readResponse()?.status == 101)
        try harness.channel.writeInbound(self.maskedBytes(0x2, "quit"))
        var out = ByteBuffer()
        while var part = try harness.channel.readOutbound(as: ByteBuffer.self) { out.writeBuffer(&part) }
        #expect(out.readInteger(as: UInt8.self) == 0x88)
    }

    @Test(arguments: [
        ("mqtt", nil, 400), ("v12.stomp", "https://evil.example", 403), ("v12.stomp", "https://ok.example", 101),
        ("v12.stomp", "http://localhost", 101), ("v12.stomp", "http://localhost:8080", 403),
        ("v12.stomp", "null", 403), ("v12.stomp", nil, 101),
    ])
    func subprotocolAndOriginDecideTheUpgrade(protocols: String, origin: String?, status: Int) throws {
        let policy = HTTPOriginPolicy(allowedHosts: [], allowedOrigins: ["https://ok.example"], bindHost: "127.0.0.1")
        let harness = try HTTPHarness(configuration: .init(originPolicy: policy), routes: Self.routes)
        try harness.channel.writeInbound(ByteBuffer(string: self.upgradeRequest(protocols: protocols, origin: origin)))
        harness.channel.embeddedEventLoop.run()
        let response = try #require(try harness.readResponse())
        #expect(response.status == status)
        if status == 400 {
            #expect(response.json?["error"] == JSONValue.string("websocket_required"))
        }
        if status != 101 {
            #expect(response.headers["connection"] == "close")
        }
    }

    @Test func foreignHostIsRefusedForUpgradesAndRequests() throws {
        let policy = HTTPOriginPolicy(allowedHosts: [], allowedOrigins: [], bindHost: "127.0.0.1")
        let harness = try HTTPHarness(configuration: .init(originPolicy: policy), routes: Self.routes)
        let request = self.upgradeRequest().replacingOccurrences(of: "Host: localhost", with: "Host: evil.example")
        try harness.channel.writeInbound(ByteBuffer(string: request))
        harness.channel.embeddedEventLoop.run()
        #expect(try harness.readResponse()?.status == 403)
    }
}

@Suite("HTTP origin policy")
struct HTTPOriginPolicyTests {
    let policy = HTTPOriginPolicy(allowedHosts: [], allowedOrigins: ["https://app.example"], bindHost: "127.0.0.1")

    @Test func defaultHostsAreLocalhostNamesAndTheBindAddress() {
        for host in ["localhost", "localhost:15672", "127.0.0.1:15672", "[::1]:15672", "LOCALHOST", "a.localhost"] {
            #expect(self.policy.allowsHost(host), "\(host)")
        }
        for host in ["evil.example", "evil.example:15672", "10.0.0.1", "localhost.evil.example"] {
            #expect(!self.policy.allowsHost(host), "\(host)")
        }
        #expect(self.policy.allowsHost(nil))
    }

    @Test func wildcardBindAcceptsIPLiteralsButNotNames() {
        let open = HTTPOriginPolicy(allowedHosts: [], allowedOrigins: [], bindHost: "0.0.0.0")
        #expect(open.allowsHost("192.168.1.20:15672"))
        #expect(open.allowsHost("[fe80::1]:15672"))
        #expect(!open.allowsHost("rebound.evil.example"))
        let listed = HTTPOriginPolicy(allowedHosts: ["broker.example"], allowedOrigins: [], bindHost: "0.0.0.0")
        #expect(listed.allowsHost("Broker.Example:15672"))
        #expect(!listed.allowsHost("localhost"))
    }

    @Test func sameOriginComparesHostAndPort() {
        #expect(self.policy.allowsOrigin("http://127.0.0.1:15672", host: "127.0.0.1:15672"))
        #expect(self.policy.allowsOrigin("http://localhost", host: "localhost:80"))
        #expect(!self.policy.allowsOrigin("http://localhost:8080", host: "localhost"))
        #expect(!self.policy.allowsOrigin("http://127.0.0.1:8000", host: "127.0.0.1:15672"))
        #expect(!self.policy.allowsOrigin("http://evil.example", host: "127.0.0.1:15672"))
        #expect(!self.policy.allowsOrigin("null", host: "127.0.0.1:15672"))
        #expect(self.policy.allowsOrigin(nil, host: "127.0.0.1:15672"))
    }

    @Test func listedOriginsAreNormalized() {
        #expect(self.policy.allowsOrigin("https://APP.example:443", host: "127.0.0.1:15672"))
        #expect(self.policy.allowsOrigin("https://app.example", host: "127.0.0.1:15672"))
        #expect(!self.policy.allowsOrigin("http://app.example", host: "127.0.0.1:15672"))
        let any = HTTPOriginPolicy(allowedHosts: [], allowedOrigins: ["*"], bindHost: "127.0.0.1")
        #expect(any.allowsOrigin("http://evil.example", host: "127.0.0.1"))
    }
}
