import JunctionCore
import JunctionCoreTestSupport
import Logging
import NIOCore
import NIOEmbedded

@testable import JunctionSTOMP
@testable import JunctionSTOMPCodec

/// Refuses the password "wrong", and guest when not from loopback.
struct TestAuthenticator: Authenticator {
    func authenticate(username: String, password: String, isLoopback: Bool) -> AuthenticatedUser? {
        if password == "wrong" || (username == "guest" && !isLoopback) { return nil }
        return AuthenticatedUser(name: username)
    }
}

/// A client side for handler tests: writes bytes into an `EmbeddedChannel` running the real handler
/// and decodes the frames it wrote back.
final class STOMPTestPeer {
    let channel = EmbeddedChannel()
    private var decoder = STOMPFrameDecoder(version: .v1_2)
    private var pending = ByteBuffer()

    init(
        broker: Broker,
        connectionID: UInt64 = 1,
        isLoopback: Bool = true,
        configuration: STOMPAdapterConfiguration = STOMPAdapterConfiguration()
    ) throws {
        try broker.grantEverything(to: "guest")
        let handler = STOMPConnectionHandler(
            broker: broker,
            configuration: configuration,
            authenticator: TestAuthenticator(),
            connectionID: ConnectionID(connectionID),
            isLoopback: isLoopback,
            logger: Logger(label: "test")
        )
        try self.channel.pipeline.syncOperations.addHandler(handler)
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 61613)).wait()
    }

    func sendRaw(_ text: String) throws {
        try self.channel.writeInbound(ByteBuffer(string: text))
        self.channel.embeddedEventLoop.run()
    }

    func send(_ command: STOMPCommand, _ headers: STOMPHeaders = [:], body: String = "") throws {
        var buffer = ByteBuffer()
        buffer.writeSTOMPFrame(STOMPFrame(command, headers: headers, body: ByteBuffer(string: body)), version: .v1_2)
        try self.channel.writeInbound(buffer)
        self.channel.embeddedEventLoop.run()
    }

    /// Every frame written since the last call.
    func frames() throws -> [STOMPFrame] {
        self.channel.embeddedEventLoop.run()
        while let buffer = try self.channel.readOutbound(as: ByteBuffer.self) {
            var buffer = buffer
            self.pending.writeBuffer(&buffer)
        }
        var frames: [STOMPFrame] = []
        while let item = try self.decoder.decode(buffer: &self.pending) {
            if case .frame(let frame) = item { frames.append(frame) }
        }
        return frames
    }

    @discardableResult
    func connect(
        _ headers: STOMPHeaders = ["accept-version": "1.2", "login": "guest", "passcode": "guest"]
    ) throws
        -> STOMPFrame?
    {
        try self.send(.connect, headers)
        return try self.frames().first
    }

    var isActive: Bool { self.channel.isActive }
}
