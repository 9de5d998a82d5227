import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import Logging
import NIOCore
import NIOEmbedded

@testable import JunctionAMQP
@testable import JunctionAMQPCodec

/// Accepts everyone as guest, except the password "wrong"; of certificate names only "device".
struct TestAuthenticator: Authenticator {
    func authenticate(username: String, password: String, isLoopback: Bool) -> AuthenticatedUser? {
        password == "wrong" ? nil : AuthenticatedUser(name: username)
    }

    func authenticate(certificateName: String, isLoopback: Bool) -> AuthenticatedUser? {
        certificateName == "device" ? AuthenticatedUser(name: certificateName) : nil
    }
}

/// A client side for handler tests: writes frames into an `EmbeddedChannel` running the real
/// handler and decodes what the handler wrote back.
final class AMQPTestPeer {
    let channel = EmbeddedChannel()
    let broker: Broker
    private var decoder = AMQPFrameDecoder(maxFrameSize: 1 << 20)
    private var pending = ByteBuffer()
    private var received: [AMQPFrame] = []

    init(broker: Broker, connectionID: UInt64 = 1, frameMax: UInt32 = 131_072) throws {
        self.broker = broker
        try broker.grantEverything(to: "guest")
        let handler = AMQPConnectionHandler(
            broker: broker,
            configuration: AMQPAdapterConfiguration(frameMax: frameMax, heartbeatSeconds: 0),
            authenticator: TestAuthenticator(),
            connectionID: ConnectionID(connectionID),
            isLoopback: true,
            logger: Logger(label: "test")
        )
        try self.channel.pipeline.syncOperations.addHandler(handler)
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5672)).wait()
    }

    func sendRaw(_ bytes: [UInt8]) throws {
        try self.channel.writeInbound(ByteBuffer(bytes: bytes))
    }

    func send(_ channelID: AMQPChannelID, _ method: AMQPMethod) throws {
        var buffer = ByteBuffer()
        buffer.writeAMQPMethodFrame(channel: channelID, method: method)
        try self.channel.writeInbound(buffer)
    }

    func publish(_ channelID: AMQPChannelID, exchange: String = "", routingKey: String, body: String) throws {
        try self.channel.writeInbound(
            Self.publishFrames(channelID, exchange: exchange, routingKey: routingKey, body: body))
    }

    static func publishFrames(
        _ channelID: AMQPChannelID, exchange: String = "", routingKey: String, body: String
    ) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeAMQPMethodFrame(
            channel: channelID,
            method: .basicPublish(
                AMQPBasicPublish(exchange: exchange, routingKey: routingKey, mandatory: false, immediate: false))
        )
        buffer.writeAMQPContentHeaderFrame(
            channel: channelID,
            classID: 60,
            bodySize: UInt64(body.utf8.count),
            properties: MessageProperties()
        )
        buffer.writeAMQPBodyFrames(channel: channelID, body: ByteBuffer(string: body), frameMax: 131_072)
        return buffer
    }

    /// Everything the handler has written so far, as frames (the protocol header is returned raw).
    func readFrames() throws -> [AMQPFrame] {
        self.channel.embeddedEventLoop.run()
        while var chunk = try self.channel.readOutbound(as: ByteBuffer.self) {
            self.pending.writeBuffer(&chunk)
        }
        while let frame = try self.decoder.decode(buffer: &self.pending) {
            self.received.append(frame)
        }
        defer { self.received.removeAll() }
        return self.received
    }

    func readRawOutbound() throws -> [UInt8] {
        self.channel.embeddedEventLoop.run()
        var bytes: [UInt8] = []
        while var chunk = try self.channel.readOutbound(as: ByteBuffer.self) {
            bytes += chunk.readBytes(length: chunk.readableBytes) ?? []
        }
        return bytes
    }

    /// Protocol header, start-ok, tune-ok and open: leaves the connection open with nothing unread.
    func handshake(password: String = "guest", sendHeader: Bool = true) throws {
        if sendHeader {
            try self.sendRaw(AMQPProtocolHeader.bytes)
            _ = try self.readFrames()
        }
        let response: [UInt8] = [0] + Array("guest".utf8) + [0] + Array(password.utf8)
        try self.send(
            0,
            .connectionStartOk(
                AMQPConnectionStartOk(clientProperties: [:], mechanism: "PLAIN", response: response, locale: "en_US"))
        )
        _ = try self.readFrames()
        try self.send(0, .connectionTuneOk(AMQPConnectionTuneOk(channelMax: 0, frameMax: 131_072, heartbeat: 0)))
        try self.send(0, .connectionOpen(AMQPConnectionOpen(virtualHost: "/")))
        _ = try self.readFrames()
    }

    var isActive: Bool { self.channel.isActive }
}
