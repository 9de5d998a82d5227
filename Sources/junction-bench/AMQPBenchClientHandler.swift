import JunctionAMQPCodec
import JunctionModel
import NIOCore

/// One bench connection (publisher or consumer) on the run's single event loop.
///
/// Setup goes through `AMQPBenchHandshake`; afterwards a publisher writes batches (one flush per batch, bounded by
/// the confirm window and channel writability) and a consumer reassembles deliveries and acks once per read burst.
final class AMQPBenchClientHandler: ChannelInboundHandler, BenchClient {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case handshaking
        case waitingToPublish(frameMax: Int)
        case publishing(frameMax: Int)
        /// Every message is sent (and confirmed, with confirms).
        case published
        case consuming
        case closing
        case closed
    }

    private let role: BenchRole
    private let run: BenchRun
    private let topology: AMQPBenchTopology
    private var handshake: AMQPBenchHandshake
    private var framer = NIOSingleStepByteToMessageProcessor(
        AMQPFrameDecoder(maxFrameSize: AMQPBenchHandshake.preferredFrameMax),
        maximumBufferSize: 4 * AMQPBenchHandshake.preferredFrameMax)
    private var phase = Phase.handshaking
    private var context: ChannelHandlerContext?

    // Publisher state.
    private var body: ByteBuffer
    private var publisher: BenchPublisher
    private let scheduler = BenchPublishScheduler()
    private var confirms = AMQPBenchConfirmTracker()
    /// One basic.publish per routing key, used in turn (several only for a partitioned stream).
    private let publishes: [AMQPMethod]
    private var nextPublish = 0
    /// The properties of each publish, used in turn: one set, or one per priority level.
    private let properties: [MessageProperties]
    private var nextProperties = 0

    // Consumer state.
    private var deliveryTag: UInt64 = 0
    private var remainingBody: UInt64 = 0
    private var stamp: BenchStamp?
    private var pendingAck: UInt64?

    init(role: BenchRole, run: BenchRun, topology: AMQPBenchTopology) {
        self.role = role
        self.run = run
        self.topology = topology
        self.handshake = AMQPBenchHandshake(setup: topology.setup(for: role))
        let index: Int
        switch role {
        case .publisher(let publisherIndex): index = publisherIndex
        case .consumer: index = 0
        }
        self.publisher = BenchPublisher(index: index, configuration: run.configuration)
        self.publishes = topology.routingKeys(ofPublisher: index).map { key in
            .basicPublish(AMQPBasicPublish(exchange: topology.exchange, routingKey: key))
        }
        let deliveryMode: UInt8? = topology.durable || topology.stream ? 2 : nil
        self.properties =
            topology.priorities > 0
            ? (0..<topology.priorities).map { MessageProperties(deliveryMode: deliveryMode, priority: UInt8($0)) }
            : [MessageProperties(deliveryMode: deliveryMode)]
        self.body = ByteBuffer(repeating: 0x2E, count: run.configuration.bodySize)
    }

    // MARK: - Channel events

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: AMQPProtocolHeader.bytes)), promise: nil)
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
            try self.framer.process(buffer: Self.unwrapInboundIn(data)) { frame in
                self.frameReceived(frame, context: context)
            }
        } catch {
            self.run.fail("decoding failed: \(error)")
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let tag = self.pendingAck {
            self.pendingAck = nil
            var buffer = context.channel.allocator.buffer(capacity: 24)
            buffer.writeAMQPMethodFrame(
                channel: AMQPBenchHandshake.channel, method: .basicAck(AMQPBasicAck(deliveryTag: tag, multiple: true)))
            context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
        }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.publishBatches()
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.run.fail("connection error: \(error)")
        context.close(promise: nil)
    }

    // MARK: - Frames

    private func frameReceived(_ frame: AMQPFrame, context: ChannelHandlerContext) {
        switch self.phase {
        case .handshaking:
            self.handshakeFrameReceived(frame, context: context)
        case .waitingToPublish, .publishing, .published:
            self.publisherFrameReceived(frame)
        case .consuming:
            self.consumerFrameReceived(frame)
        case .closing:
            if case .method(0, .connectionCloseOk) = frame {
                context.close(promise: nil)
            }
        case .closed:
            break
        }
    }

    private func handshakeFrameReceived(_ frame: AMQPFrame, context: ChannelHandlerContext) {
        switch self.handshake.frameReceived(frame) {
        case .send(let frames):
            var buffer = context.channel.allocator.buffer(capacity: 256)
            for frame in frames {
                buffer.writeAMQPFrame(frame, frameMax: 0)
            }
            context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
        case .ready(let frameMax):
            switch self.role {
            case .publisher:
                self.phase = .waitingToPublish(frameMax: frameMax)
                self.run.publisherReady()
            case .consumer:
                self.phase = .consuming
                self.run.consumerReady()
            }
        case .fail(let reason):
            self.run.fail(reason)
            context.close(promise: nil)
        case .none:
            break
        }
    }

    private func publisherFrameReceived(_ frame: AMQPFrame) {
        switch frame {
        case .method(_, .basicAck(let ack)):
            self.publisher.confirmed(self.confirms.acknowledged(ack.deliveryTag, multiple: ack.multiple))
            self.publishBatches()
        case .method(_, .basicNack):
            self.run.publishRefused("basic.nack")
        case .method(_, .connectionClose(let close)):
            self.run.fail("server closed the connection: \(close.replyCode) \(close.replyText)")
        case .method(_, .channelClose(let close)):
            self.run.fail("server closed the channel: \(close.replyCode) \(close.replyText)")
        case .method, .header, .body, .heartbeat:
            break
        }
    }

    private func consumerFrameReceived(_ frame: AMQPFrame) {
        switch frame {
        case .method(_, .basicDeliver(let deliver)):
            self.deliveryTag = deliver.deliveryTag
            self.stamp = nil
        case .header(_, let header):
            self.remainingBody = header.bodySize
            if header.bodySize == 0 { self.deliveryCompleted() }
        case .body(_, let body):
            if self.stamp == nil { self.stamp = BenchStamp(from: body) }
            self.remainingBody -= min(self.remainingBody, UInt64(body.readableBytes))
            if self.remainingBody == 0 { self.deliveryCompleted() }
        case .method(_, .connectionClose(let close)):
            self.run.fail("server closed the connection: \(close.replyCode) \(close.replyText)")
        case .method(_, .channelClose(let close)):
            self.run.fail("server closed the channel: \(close.replyCode) \(close.replyText)")
        case .method(_, .basicCancel):
            self.run.fail("server cancelled the consumer")
        case .method, .heartbeat:
            break
        }
    }

    private func deliveryCompleted() {
        guard case .consumer(let index, let group) = self.role else { return }
        self.run.received(self.stamp, consumer: index, group: group)
        if !self.topology.noAck {
            self.pendingAck = self.deliveryTag
        }
    }

    // MARK: - Publishing

    func startPublishing() {
        guard case .waitingToPublish(let frameMax) = self.phase else { return }
        self.phase = .publishing(frameMax: frameMax)
        self.publishBatches()
    }

    /// Writes one batch, then yields to the event loop before the next so confirms and deliveries are read.
    private func publishBatches() {
        guard case .publishing(let frameMax) = self.phase, let context else { return }
        let decision = self.publisher.decide(run: self.run, isWritable: context.channel.isWritable)
        if case .send(let count) = decision {
            let channel = AMQPBenchHandshake.channel
            var buffer = context.channel.allocator.buffer(capacity: count * (self.body.readableBytes + 80))
            for _ in 0..<count {
                self.publisher.stampNext(&self.body, run: self.run)
                buffer.writeAMQPMethodFrame(channel: channel, method: self.publishes[self.nextPublish])
                self.nextPublish = self.nextPublish + 1 == self.publishes.count ? 0 : self.nextPublish + 1
                buffer.writeAMQPContentHeaderFrame(
                    channel: channel, bodySize: UInt64(self.body.readableBytes),
                    properties: self.properties[self.nextProperties])
                self.nextProperties = self.nextProperties + 1 == self.properties.count ? 0 : self.nextProperties + 1
                buffer.writeAMQPBodyFrames(channel: channel, body: self.body, frameMax: frameMax)
            }
            if self.topology.confirm { self.confirms.published(count) }
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

    func close() {
        guard let context else { return }
        switch self.phase {
        case .closing, .closed:
            return
        case .handshaking, .waitingToPublish, .publishing, .published, .consuming:
            self.phase = .closing
            var buffer = context.channel.allocator.buffer(capacity: 32)
            buffer.writeAMQPMethodFrame(
                channel: 0, method: .connectionClose(AMQPConnectionClose(replyCode: 200, replyText: "bench done")))
            context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
        }
    }

    func abort() {
        self.context?.close(promise: nil)
    }
}

@available(*, unavailable)
extension AMQPBenchClientHandler: Sendable {}

/// Publisher-confirm bookkeeping for one channel: acks may be single or multiple and arrive out of order.
struct AMQPBenchConfirmTracker {
    private var nextTag: UInt64 = 1
    private var lowestUnconfirmed: UInt64 = 1
    private var confirmedAhead: Set<UInt64> = []

    var outstanding: Int { Int(self.nextTag - self.lowestUnconfirmed) - self.confirmedAhead.count }

    mutating func published(_ count: Int) {
        self.nextTag += UInt64(count)
    }

    /// Returns how many messages this ack confirmed.
    mutating func acknowledged(_ tag: UInt64, multiple: Bool) -> Int {
        let before = self.outstanding
        if multiple {
            guard tag >= self.lowestUnconfirmed else { return 0 }
            self.confirmedAhead = self.confirmedAhead.filter { $0 > tag }
            self.lowestUnconfirmed = min(tag + 1, self.nextTag)
        } else if tag == self.lowestUnconfirmed {
            self.lowestUnconfirmed += 1
        } else if tag > self.lowestUnconfirmed, tag < self.nextTag {
            self.confirmedAhead.insert(tag)
        }
        while self.confirmedAhead.remove(self.lowestUnconfirmed) != nil {
            self.lowestUnconfirmed += 1
        }
        return before - self.outstanding
    }
}
