import JunctionMQTTCodec
import NIOCore

/// One MQTT bench connection: CONNECT (clean session), then a subscriber SUBSCRIBEs and PUBACKs what it gets,
/// while a publisher sends PUBLISH at QoS 0 or 1 (QoS 1 bounded by a window of unacknowledged packet ids).
final class MQTTBenchClientHandler: ChannelInboundHandler, BenchClient {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What an `mqtt` run sends and subscribes to.
    struct Settings: Sendable {
        var version: MQTTProtocolVersion
        var qos: MQTTQoS
        var topic: String
        var topics: Int
        var username: String?
        var password: String?

        func topic(_ index: Int) -> String { self.topics == 1 ? self.topic : "\(self.topic)/\(index % self.topics)" }
    }

    private enum Phase {
        case connecting
        case subscribing
        case waitingToPublish
        case publishing
        case published
        case consuming
        case closing
        case closed
    }

    private static let maximumPacketSize = 16 * 1024 * 1024

    private let role: BenchRole
    private let run: BenchRun
    private let settings: Settings
    private var framer = NIOSingleStepByteToMessageProcessor(
        MQTTPacketDecoder(maximumPacketSize: MQTTBenchClientHandler.maximumPacketSize),
        maximumBufferSize: MQTTBenchClientHandler.maximumPacketSize)
    private var phase = Phase.connecting
    private var context: ChannelHandlerContext?

    private var body: ByteBuffer
    private var publisher: BenchPublisher
    private let scheduler = BenchPublishScheduler()
    private var nextPacketID: UInt16 = 1
    /// PUBACKs to send at the end of the read burst.
    private var pendingAcks: ByteBuffer?

    init(role: BenchRole, run: BenchRun, settings: Settings) {
        self.role = role
        self.run = run
        self.settings = settings
        let index: Int
        switch role {
        case .publisher(let publisherIndex): index = publisherIndex
        case .consumer: index = 0
        }
        self.publisher = BenchPublisher(index: index, configuration: run.configuration)
        self.body = ByteBuffer(repeating: 0x2E, count: run.configuration.bodySize)
    }

    private var clientID: String {
        switch self.role {
        case .publisher(let index): "jb-\(self.run.runID)-p\(index)"
        case .consumer(let index, _): "jb-\(self.run.runID)-c\(index)"
        }
    }

    // MARK: - Channel events

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        let connect = MQTTConnect(
            protocolVersion: self.settings.version, clientID: self.clientID, cleanStart: true, keepAlive: 0,
            username: self.settings.username, password: self.settings.password.map { ByteBuffer(string: $0) })
        self.send(.connect(connect), context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let wasClosing = if case .closing = self.phase { true } else { false }
        self.phase = .closed
        self.context = nil
        self.run.connectionClosed(expected: wasClosing)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try self.framer.process(buffer: Self.unwrapInboundIn(data)) { raw in
                self.packetReceived(try MQTTPacket.decode(raw, version: self.settings.version), context: context)
            }
        } catch {
            self.run.fail("decoding failed: \(error)")
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let acks = self.pendingAcks {
            self.pendingAcks = nil
            context.writeAndFlush(Self.wrapOutboundOut(acks), promise: nil)
        }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.publishBatches() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.run.fail("connection error: \(error)")
        context.close(promise: nil)
    }

    // MARK: - Packets

    private func packetReceived(_ packet: MQTTPacket, context: ChannelHandlerContext) {
        switch (self.phase, packet) {
        case (.connecting, .connAck(let connAck)):
            guard connAck.reasonCode.rawValue == 0 else {
                self.run.fail("CONNACK refused: \(connAck.reasonCode.rawValue)")
                return
            }
            switch self.role {
            case .publisher:
                self.phase = .waitingToPublish
                self.run.publisherReady()
            case .consumer(let index, _):
                self.phase = .subscribing
                let subscription = MQTTSubscription(filter: self.settings.topic(index), qos: self.settings.qos)
                self.send(
                    .subscribe(MQTTSubscribe(packetID: MQTTPacketID(1), subscriptions: [subscription])),
                    context: context)
            }
        case (.subscribing, .subAck(let subAck)):
            guard let code = subAck.reasonCodes.first, code.rawValue < 0x80 else {
                self.run.fail("SUBSCRIBE refused")
                return
            }
            self.phase = .consuming
            self.run.consumerReady()
        case (.consuming, .publish(let publish)):
            if let packetID = publish.packetID, publish.qos == .atLeastOnce {
                var acks = self.pendingAcks ?? context.channel.allocator.buffer(capacity: 256)
                acks.writeMQTTPacket(.pubAck(MQTTPublishResponse(packetID: packetID)), version: self.settings.version)
                self.pendingAcks = acks
            }
            guard case .consumer(let index, let group) = self.role else { return }
            self.run.received(BenchStamp(from: publish.payload), consumer: index, group: group)
        case (.publishing, .pubAck(let response)), (.published, .pubAck(let response)):
            guard response.reasonCode.rawValue < 0x80 else {
                self.run.publishRefused("PUBACK \(response.reasonCode.rawValue)")
                return
            }
            self.publisher.confirmed(1)
            self.publishBatches()
        case (_, .disconnect(let disconnect)):
            self.run.fail("server sent DISCONNECT \(disconnect.reasonCode.rawValue)")
        case (.closing, _), (.closed, _), (_, .pingResp):
            break
        default:
            self.run.fail("unexpected packet: \(packet)")
        }
    }

    private func send(_ packet: MQTTPacket, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeMQTTPacket(packet, version: self.settings.version)
        context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
    }

    // MARK: - Publishing

    func startPublishing() {
        guard case .waitingToPublish = self.phase else { return }
        self.phase = .publishing
        self.publishBatches()
    }

    private func publishBatches() {
        guard case .publishing = self.phase, let context else { return }
        let decision = self.publisher.decide(run: self.run, isWritable: context.channel.isWritable)
        if case .send(let count) = decision {
            let topic = self.settings.topic(self.publisher.index)
            var buffer = context.channel.allocator.buffer(
                capacity: count * (self.body.readableBytes + topic.utf8.count + 8))
            for _ in 0..<count {
                self.publisher.stampNext(&self.body, run: self.run)
                var packetID: MQTTPacketID?
                if self.settings.qos == .atLeastOnce {
                    packetID = MQTTPacketID(self.nextPacketID)
                    self.nextPacketID = self.nextPacketID == .max ? 1 : self.nextPacketID + 1
                }
                let publish = MQTTPublish(topic: topic, qos: self.settings.qos, packetID: packetID, payload: self.body)
                buffer.writeMQTTPacket(.publish(publish), version: self.settings.version)
            }
            self.run.published(count, by: self.publisher.index)
            context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
        }
        let finished = self.scheduler.follow(decision, context: context) {
            self.publishBatches()
        }
        if finished {
            self.phase = .published
            self.run.publisherFinished()
        }
    }

    // MARK: - Closing

    /// DISCONNECT has no answer: the socket closes once it is written.
    func close() {
        guard let context else { return }
        switch self.phase {
        case .closing, .closed:
            return
        case .connecting, .subscribing, .waitingToPublish, .publishing, .published, .consuming:
            self.phase = .closing
            var buffer = context.channel.allocator.buffer(capacity: 8)
            buffer.writeMQTTPacket(.disconnect(MQTTDisconnect()), version: self.settings.version)
            context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
            context.close(promise: nil)
        }
    }

    func abort() {
        self.context?.close(promise: nil)
    }
}

@available(*, unavailable)
extension MQTTBenchClientHandler: Sendable {}
