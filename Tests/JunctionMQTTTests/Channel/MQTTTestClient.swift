import JunctionCore
import JunctionCoreTestSupport
import Logging
import NIOCore
import NIOEmbedded

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// Accepts `user`/`pass` only.
struct MQTTTestAuthenticator: Authenticator {
    func authenticate(username: String, password: String, isLoopback: Bool) -> AuthenticatedUser? {
        username == "user" && password == "pass" ? AuthenticatedUser(name: username) : nil
    }
}

/// A broker with the MQTT adapter's shared state, and clients on embedded channels.
final class MQTTTestBroker {
    let broker = Broker(logger: Logger(label: "test"))
    let server: MQTTServerState
    /// The listener's configuration (shared by the connections): set before `client()`.
    var configuration: MQTTAdapterConfiguration {
        get { self.server.configuration }
        set { self.server.configuration = newValue }
    }
    private var nextConnection: UInt64 = 1

    init(sessions: any MQTTSessionStore = InMemorySessionStore()) {
        self.server = MQTTServerState(
            broker: self.broker,
            configuration: MQTTAdapterConfiguration(
                anonymousUser: AuthenticatedUser(name: "guest"), maximumPacketSize: 1024),
            authenticator: MQTTTestAuthenticator(), logger: Logger(label: "test"), sessions: sessions,
            retained: InMemoryRetainedStore())
    }

    func client(_ version: MQTTProtocolVersion = .v5) throws -> MQTTTestClient {
        try self.broker.grantEverything(to: "guest")
        try self.broker.grantEverything(to: "user")
        let handler = MQTTConnectionHandler(
            server: self.server, connectionID: ConnectionID(self.nextConnection), isLoopback: true)
        self.nextConnection += 1
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1883)).wait()
        return MQTTTestClient(channel: channel, handler: handler, version: version)
    }
}

final class MQTTTestClient {
    let channel: EmbeddedChannel
    let handler: MQTTConnectionHandler
    let version: MQTTProtocolVersion

    init(channel: EmbeddedChannel, handler: MQTTConnectionHandler, version: MQTTProtocolVersion) {
        self.channel = channel
        self.handler = handler
        self.version = version
    }

    var isActive: Bool { self.channel.isActive }

    func send(_ packets: MQTTPacket...) throws {
        var buffer = ByteBuffer()
        for packet in packets { buffer.writeMQTTPacket(packet, version: self.version) }
        try self.sendRaw(buffer)
    }

    func sendRaw(_ buffer: ByteBuffer) throws {
        guard self.channel.isActive else { return }
        try self.channel.writeInbound(buffer)
        self.channel.pipeline.fireChannelReadComplete()
    }

    /// Everything written so far, decoded.
    func received() throws -> [MQTTPacket] {
        self.channel.embeddedEventLoop.run()
        var all = ByteBuffer()
        while var chunk = try self.channel.readOutbound(as: ByteBuffer.self) {
            all.writeBuffer(&chunk)
        }
        var packets: [MQTTPacket] = []
        while let packet = try MQTTPacket.decode(from: &all, version: self.version) {
            packets.append(packet)
        }
        return packets
    }

    @discardableResult
    func connect(
        clientID: String,
        cleanStart: Bool = true,
        username: String? = nil,
        password: String? = nil,
        will: MQTTWill? = nil,
        properties: MQTTProperties = MQTTProperties()
    ) throws -> MQTTConnAck? {
        try self.send(
            .connect(
                MQTTConnect(
                    protocolVersion: self.version,
                    clientID: clientID,
                    cleanStart: cleanStart,
                    keepAlive: 60,
                    username: username,
                    password: password.map { ByteBuffer(string: $0) },
                    will: will,
                    properties: properties
                )
            )
        )
        for case .connAck(let ack) in try self.received() { return ack }
        return nil
    }

    func subscribe(
        _ filter: String, qos: MQTTQoS, id: UInt16 = 1,
        retainHandling: MQTTSubscription.RetainHandling = .sendOnSubscribe
    ) throws
        -> [MQTTPacket]
    {
        try self.send(
            .subscribe(
                MQTTSubscribe(
                    packetID: MQTTPacketID(id),
                    subscriptions: [MQTTSubscription(filter: filter, qos: qos, retainHandling: retainHandling)]
                )
            )
        )
        return try self.received()
    }

    func publish(
        _ topic: String, _ payload: String, qos: MQTTQoS = .atMostOnce, id: UInt16? = nil, retain: Bool = false
    ) throws {
        try self.send(
            .publish(
                MQTTPublish(
                    topic: topic, qos: qos, retain: retain, packetID: id.map(MQTTPacketID.init),
                    payload: ByteBuffer(string: payload))
            )
        )
    }

    func publishes() throws -> [MQTTPublish] {
        try self.received().compactMap {
            if case .publish(let publish) = $0 { return publish }
            return nil
        }
    }

    func drop() {
        _ = try? self.channel.close().wait()
    }
}
