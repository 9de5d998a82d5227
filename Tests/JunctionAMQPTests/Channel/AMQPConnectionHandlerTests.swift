import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionTransport
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import JunctionAMQP
@testable import JunctionAMQPCodec

@Suite struct AMQPConnectionHandlerTests {
    let broker = Broker(logger: Logger(label: "test"))

    func closeCode(_ frames: [AMQPFrame]) -> UInt16? {
        for case .method(_, .connectionClose(let close)) in frames { return close.replyCode }
        return nil
    }

    func channelCloseCode(_ frames: [AMQPFrame]) -> UInt16? {
        for case .method(_, .channelClose(let close)) in frames { return close.replyCode }
        return nil
    }

    @Test func wrongProtocolHeaderGetsOursBackAndTheSocketCloses() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.sendRaw(Array("AMQP".utf8) + [1, 1, 0, 10])
        #expect(try peer.readRawOutbound() == AMQPProtocolHeader.bytes)
        #expect(!peer.isActive)
    }

    @Test func httpRequestInsteadOfAMQPIsRefused() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.sendRaw(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(try peer.readRawOutbound() == AMQPProtocolHeader.bytes)
        #expect(!peer.isActive)
    }

    @Test func handshakeThenChannelOpen() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.sendRaw(AMQPProtocolHeader.bytes)
        let start = try peer.readFrames()
        guard case .method(0, .connectionStart(let properties))? = start.first else {
            Issue.record("expected connection.start, got \(start)")
            return
        }
        #expect(properties.mechanisms.contains("PLAIN"))
        guard case .table(let capabilities)? = properties.serverProperties["capabilities"] else {
            Issue.record("no capabilities")
            return
        }
        for name in [
            "publisher_confirms", "basic.nack", "consumer_cancel_notify", "connection.blocked",
            "exchange_exchange_bindings", "authentication_failure_close", "per_consumer_qos",
        ] {
            #expect(capabilities[name] == .boolean(true), "\(name)")
        }
        try peer.handshake(sendHeader: false)
        try peer.send(1, .channelOpen)
        #expect(try peer.readFrames() == [.method(1, .channelOpenOk)])
    }

    @Test func wrongPasswordIsAccessRefused() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.sendRaw(AMQPProtocolHeader.bytes)
        _ = try peer.readFrames()
        let response: [UInt8] = [0] + Array("guest".utf8) + [0] + Array("wrong".utf8)
        try peer.send(
            0,
            .connectionStartOk(
                AMQPConnectionStartOk(clientProperties: [:], mechanism: "PLAIN", response: response, locale: "en_US"))
        )
        #expect(self.closeCode(try peer.readFrames()) == 403)
    }

    @Test func garbageAfterTheHandshakeIsFrameError() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.handshake()
        try peer.sendRaw([0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0xCE])
        #expect(self.closeCode(try peer.readFrames()) == 501)
    }

    @Test func frameLargerThanFrameMaxIsRefusedFromItsHeader() throws {
        let peer = try AMQPTestPeer(broker: self.broker, frameMax: 4096)
        try peer.sendRaw(AMQPProtocolHeader.bytes)
        _ = try peer.readFrames()
        let response: [UInt8] = [0] + Array("guest".utf8) + [0] + Array("guest".utf8)
        try peer.send(
            0,
            .connectionStartOk(
                AMQPConnectionStartOk(clientProperties: [:], mechanism: "PLAIN", response: response, locale: "en_US"))
        )
        try peer.send(0, .connectionTuneOk(AMQPConnectionTuneOk(channelMax: 0, frameMax: 4096, heartbeat: 0)))
        try peer.send(0, .connectionOpen(AMQPConnectionOpen(virtualHost: "/")))
        _ = try peer.readFrames()
        // A body frame header announcing 1 MiB: only the 7 header bytes are sent.
        try peer.sendRaw([0x03, 0x00, 0x01, 0x00, 0x10, 0x00, 0x00])
        #expect(self.closeCode(try peer.readFrames()) == 501)
    }

    @Test func methodOnAChannelThatIsNotOpenIsChannelError() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.handshake()
        try peer.send(5, .basicQos(AMQPBasicQos(prefetchSize: 0, prefetchCount: 1, global: false)))
        #expect(self.closeCode(try peer.readFrames()) == 504)
    }

    @Test func contentHeaderWithoutPublishIsUnexpectedFrame() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.handshake()
        try peer.send(1, .channelOpen)
        _ = try peer.readFrames()
        var buffer = ByteBuffer()
        buffer.writeAMQPContentHeaderFrame(channel: 1, classID: 60, bodySize: 1, properties: MessageProperties())
        try peer.channel.writeInbound(buffer)
        #expect(self.closeCode(try peer.readFrames()) == 505)
    }

    @Test func unknownMethodIsNotImplemented() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.handshake()
        // Method frame on channel 1: class 60, method 999, no arguments.
        try peer.sendRaw([0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x3C, 0x03, 0xE7, 0xCE])
        #expect(self.closeCode(try peer.readFrames()) == 540)
    }

    @Test func missingQueueClosesOnlyTheChannel() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.handshake()
        try peer.send(1, .channelOpen)
        try peer.send(2, .channelOpen)
        _ = try peer.readFrames()
        try peer.send(
            1,
            .queueDeclare(
                AMQPQueueDeclare(
                    queue: "nope", passive: true, durable: false, exclusive: false, autoDelete: false, noWait: false,
                    arguments: [:]))
        )
        #expect(self.channelCloseCode(try peer.readFrames()) == 404)
        // Frames on the closing channel are dropped until close-ok; the other channel works.
        try peer.send(1, .basicQos(AMQPBasicQos(prefetchSize: 0, prefetchCount: 1, global: false)))
        try peer.send(2, .basicQos(AMQPBasicQos(prefetchSize: 0, prefetchCount: 1, global: false)))
        #expect(try peer.readFrames() == [.method(2, .basicQosOk)])
        try peer.send(1, .channelCloseOk)
        try peer.send(1, .channelOpen)
        #expect(try peer.readFrames() == [.method(1, .channelOpenOk)])
    }

    @Test func publishAndConsumeAcrossTwoConnections() throws {
        let consumer = try AMQPTestPeer(broker: self.broker, connectionID: 1)
        let publisher = try AMQPTestPeer(broker: self.broker, connectionID: 2)
        try consumer.handshake()
        try publisher.handshake()
        try consumer.send(1, .channelOpen)
        try consumer.send(
            1,
            .queueDeclare(
                AMQPQueueDeclare(
                    queue: "q", passive: false, durable: false, exclusive: false, autoDelete: false, noWait: false,
                    arguments: [:]))
        )
        try consumer.send(
            1,
            .basicConsume(
                AMQPBasicConsume(
                    queue: "q", consumerTag: "c1", noLocal: false, noAck: false, exclusive: false, noWait: false,
                    arguments: [:]))
        )
        _ = try consumer.readFrames()
        try publisher.send(1, .channelOpen)
        try publisher.send(1, .confirmSelect(noWait: false))
        _ = try publisher.readFrames()
        // Two publishes in one read burst are confirmed with one cumulative ack.
        var burst = AMQPTestPeer.publishFrames(1, routingKey: "q", body: "one")
        var second = AMQPTestPeer.publishFrames(1, routingKey: "q", body: "two")
        burst.writeBuffer(&second)
        try publisher.channel.writeInbound(burst)
        #expect(try publisher.readFrames() == [.method(1, .basicAck(AMQPBasicAck(deliveryTag: 2, multiple: true)))])
        let frames = try consumer.readFrames()
        let bodies = frames.compactMap { frame -> String? in
            if case .body(_, let body) = frame { return String(buffer: body) }
            return nil
        }
        #expect(bodies == ["one", "two"])
        let tags = frames.compactMap { frame -> UInt64? in
            if case .method(_, .basicDeliver(let deliver)) = frame { return deliver.deliveryTag }
            return nil
        }
        #expect(tags == [1, 2])
        try consumer.send(1, .basicAck(AMQPBasicAck(deliveryTag: 2, multiple: true)))
        #expect(self.broker.virtualHost("/")?.queue(named: "q")?.unackedCount == 0)
        // An unknown tag is a soft error: 406 on the channel.
        try consumer.send(1, .basicAck(AMQPBasicAck(deliveryTag: 7, multiple: false)))
        #expect(self.channelCloseCode(try consumer.readFrames()) == 406)
    }

    @Test func mandatoryUnroutablePublishIsReturned() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.handshake()
        try peer.send(1, .channelOpen)
        _ = try peer.readFrames()
        var buffer = ByteBuffer()
        buffer.writeAMQPMethodFrame(
            channel: 1,
            method: .basicPublish(
                AMQPBasicPublish(exchange: "amq.direct", routingKey: "nowhere", mandatory: true, immediate: false))
        )
        buffer.writeAMQPContentHeaderFrame(channel: 1, classID: 60, bodySize: 0, properties: MessageProperties())
        try peer.channel.writeInbound(buffer)
        let frames = try peer.readFrames()
        guard case .method(1, .basicReturn(let returned))? = frames.first else {
            Issue.record("expected basic.return, got \(frames)")
            return
        }
        #expect(returned.replyCode == 312)
        #expect(returned.routingKey == "nowhere")
    }

    @Test func shutdownClosesWithConnectionForced() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.handshake()
        peer.channel.pipeline.fireUserInboundEventTriggered(BrokerShutdownEvent())
        #expect(self.closeCode(try peer.readFrames()) == 320)
    }

    @Test func memoryAlarmSendsBlockedToClientsThatAskedForIt() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.sendRaw(AMQPProtocolHeader.bytes)
        _ = try peer.readFrames()
        let response: [UInt8] = [0] + Array("guest".utf8) + [0] + Array("guest".utf8)
        let properties: FieldTable = ["capabilities": .table(["connection.blocked": .boolean(true)])]
        try peer.send(
            0,
            .connectionStartOk(
                AMQPConnectionStartOk(
                    clientProperties: properties, mechanism: "PLAIN", response: response, locale: "en_US"))
        )
        try peer.send(0, .connectionTuneOk(AMQPConnectionTuneOk(channelMax: 0, frameMax: 131_072, heartbeat: 0)))
        try peer.send(0, .connectionOpen(AMQPConnectionOpen(virtualHost: "/")))
        _ = try peer.readFrames()
        peer.channel.pipeline.fireUserInboundEventTriggered(ResourceAlarmEvent.raised(reason: "low on memory"))
        #expect(
            try peer.readFrames() == [.method(0, .connectionBlocked(AMQPConnectionBlocked(reason: "low on memory")))])
        peer.channel.pipeline.fireUserInboundEventTriggered(ResourceAlarmEvent.cleared)
        #expect(try peer.readFrames() == [.method(0, .connectionUnblocked)])
    }
}

/// `limits.max_prelogin_frame_bytes`: frames are capped at the pre-login limit until tune-ok.
@Suite struct AMQPPreloginLimitTests {
    let broker = Broker(logger: Logger(label: "test"))

    /// The header of a method frame on channel 0 announcing 100,000 payload bytes.
    let bigFrameHeader: [UInt8] = [0x01, 0x00, 0x00, 0x00, 0x01, 0x86, 0xA0]

    @Test func oversizeFrameBeforeLoginIsFrameError() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.sendRaw(AMQPProtocolHeader.bytes)
        _ = try peer.readFrames()
        try peer.sendRaw(self.bigFrameHeader)
        let frames = try peer.readFrames()
        var code: UInt16?
        for case .method(_, .connectionClose(let close)) in frames { code = close.replyCode }
        #expect(code == 501)
    }

    @Test func afterTuneOkFramesUpToFrameMaxAreBuffered() throws {
        let peer = try AMQPTestPeer(broker: self.broker)
        try peer.handshake()
        try peer.sendRaw(self.bigFrameHeader)
        #expect(try peer.readFrames().isEmpty)
        #expect(peer.isActive)
    }
}
