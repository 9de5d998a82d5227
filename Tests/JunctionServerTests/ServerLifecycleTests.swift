import Logging
import NIOCore
import NIOPosix
import Testing

@testable import JunctionServer

/// Real sockets on loopback: the listener wiring, the handshake over TCP, and shutdown.
@Suite(.serialized) struct ServerLifecycleTests {
    static func freePort() throws -> Int {
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress!.port!
        try channel.close().wait()
        return port
    }

    static func configuration(amqpPort: Int) -> JunctionConfiguration {
        var configuration = JunctionConfiguration()
        configuration.listeners = ListenersConfiguration(
            amqpPort: amqpPort, mqttPort: 0, stompPort: 0, httpPort: 0, sqsPort: 0)
        return configuration
    }

    /// Collects every byte the server sends until it closes the socket.
    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let received: EventLoopPromise<[UInt8]>
        let firstRead: EventLoopPromise<Void>
        private var bytes: [UInt8] = []

        init(promise: EventLoopPromise<[UInt8]>, firstRead: EventLoopPromise<Void>) {
            self.received = promise
            self.firstRead = firstRead
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = Self.unwrapInboundIn(data)
            self.bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
            self.firstRead.succeed()
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.firstRead.succeed()
            self.received.succeed(self.bytes)
        }
    }

    /// Returns the channel, all bytes received until the server closes, and the first read.
    static func connect(port: Int) async throws -> (any Channel, EventLoopFuture<[UInt8]>, EventLoopFuture<Void>) {
        let group = MultiThreadedEventLoopGroup.singleton
        let loop = group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let firstRead = loop.makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(promise: promise, firstRead: firstRead))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return (channel, promise.futureResult, firstRead.futureResult)
    }

    @Test func wrongProtocolHeaderOverTCPGetsOursBackThenClose() async throws {
        let port = try Self.freePort()
        let server = try await JunctionServer(
            configuration: Self.configuration(amqpPort: port), logger: Logger(label: "test")
        )
        .start()
        let (channel, received, _) = try await Self.connect(port: port)
        try await channel.writeAndFlush(ByteBuffer(string: "HELLO123")).get()
        let bytes = try await received.get()
        #expect(bytes == Array("AMQP".utf8) + [0, 0, 9, 1])
        // The broker keeps serving: a second client gets connection.start.
        let (second, secondReceived, secondFirstRead) = try await Self.connect(port: port)
        try await second.writeAndFlush(ByteBuffer(bytes: Array("AMQP".utf8) + [0, 0, 9, 1])).get()
        try await secondFirstRead.get()
        try await server.stop()
        let start = try await secondReceived.get()
        // Frame type 1 (method) on channel 0, class 10 method 10 = connection.start.
        #expect(start.count > 11)
        #expect(Array(start.prefix(3)) == [1, 0, 0])
        #expect(Array(start[7..<11]) == [0, 10, 0, 10])
    }

    @Test func disabledListenerDoesNotBind() async throws {
        let server = try await JunctionServer(
            configuration: Self.configuration(amqpPort: 0), logger: Logger(label: "test")
        )
        .start()
        #expect(server.localAddresses.isEmpty)
        try await server.stop()
    }
}
