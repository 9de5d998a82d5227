import JunctionAMQP
// Only for the value types in the codec's API (MessageProperties); the bench uses no Core engine.
import JunctionCore
import NIOCore

/// One bench connection (publisher or consumer) on the run's single event loop.
///
/// Setup goes through `AMQPBenchHandshake`; afterwards a publisher writes batches (one flush per batch, bounded by
/// the confirm window and channel writability) and a consumer reassembles deliveries and acks once per read burst.
final class AMQPBenchClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Role {
        case publisher(index: Int)
        case consumer(index: Int)
    }

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

    private let role: Role
    private let run: AMQPBenchRun
    private var handshake: AMQPBenchHandshake
    private var framer = NIOSingleStepByteToMessageProcessor(
        AMQPFrameDecoder(maxFrameSize: AMQPBenchHandshake.preferredFrameMax),
        maximumBufferSize: 4 * AMQPBenchHandshake.preferredFrameMax)
    private var phase = Phase.handshaking
    private var context: ChannelHandlerContext?

    // Publisher state.
    private var body: ByteBuffer
    private var nextSequence: UInt64 = 0
    private var quota: Int?
    private var publishScheduled = false
    private var confirms = AMQPBenchConfirmTracker()

    // Consumer state.
    private var deliveryTag: UInt64 = 0
    private var remainingBody: UInt64 = 0
    private var stamp: AMQPBenchBody?
    private var pendingAck: UInt64?

    init(role: Role, run: AMQPBenchRun) {
        self.role = role
        self.run = run
        let configuration = run.configuration
        switch role {
        case .publisher(let index):
            self.handshake = AMQPBenchHandshake(
                role: .publisher(confirm: configuration.confirm), queue: configuration.queue)
            self.quota = configuration.quota(ofPublisher: index)
        case .consumer:
            self.handshake = AMQPBenchHandshake(
                role: .consumer(prefetch: configuration.prefetch, noAck: configuration.noAck),
                queue: configuration.queue)
        }
        self.body = ByteBuffer(repeating: 0x2E, count: configuration.bodySize)
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
            self.confirms.acknowledged(ack.deliveryTag, multiple: ack.multiple)
            self.publishBatches()
        case .method(_, .basicNack(let nack)):
            self.confirms.acknowledged(nack.deliveryTag, multiple: nack.multiple)
            self.run.publishNacked()
            self.publishBatches()
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
            if self.stamp == nil { self.stamp = AMQPBenchBody(from: body) }
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
        self.run.received(self.stamp)
        if !self.run.configuration.noAck {
            self.pendingAck = self.deliveryTag
        }
    }

    // MARK: - Publishing

    /// Starts publishing once every connection is ready.
    func startPublishing() {
        guard case .waitingToPublish(let frameMax) = self.phase else { return }
        self.phase = .publishing(frameMax: frameMax)
        self.publishBatches()
    }

    /// Writes one batch, then yields to the event loop before the next so confirms and deliveries are read.
    private func publishBatches() {
        guard case .publishing(let frameMax) = self.phase, let context else { return }
        let configuration = self.run.configuration
        let quotaReached = self.quota.map { Int(self.nextSequence) >= $0 } ?? false
        if quotaReached || self.run.publishDeadlinePassed() {
            // Done sending; the publisher is finished once every confirm is in.
            if !configuration.confirm || self.confirms.outstanding == 0 {
                self.phase = .published
                self.run.publisherFinished()
            }
            return
        }
        var allowed = configuration.batch
        if let quota = self.quota { allowed = min(allowed, quota - Int(self.nextSequence)) }
        if configuration.confirm { allowed = min(allowed, configuration.confirmWindow - self.confirms.outstanding) }
        if let rate = configuration.ratePerPublisher {
            // Open loop: send what the schedule says is due, so latency is not measured against a backlog.
            let elapsed = NIODeadline.now().uptimeNanoseconds - self.run.startNanoseconds
            let due = Int(Double(elapsed) * rate / 1e9) + 1 - Int(self.nextSequence)
            guard due > 0 else {
                self.schedulePublish(in: .milliseconds(1))
                return
            }
            allowed = min(allowed, due)
        }
        guard allowed > 0, context.channel.isWritable, case .publisher(let index) = self.role else { return }

        let publish = AMQPMethod.basicPublish(AMQPBasicPublish(exchange: "", routingKey: configuration.queue))
        let properties = MessageProperties()
        var buffer = context.channel.allocator.buffer(capacity: allowed * (configuration.bodySize + 80))
        for _ in 0..<allowed {
            AMQPBenchBody(
                sentNanoseconds: NIODeadline.now().uptimeNanoseconds, runID: self.run.runID, publisher: UInt16(truncatingIfNeeded: index),
                sequence: UInt32(truncatingIfNeeded: self.nextSequence)
            ).stamp(&self.body)
            self.nextSequence += 1
            buffer.writeAMQPMethodFrame(channel: AMQPBenchHandshake.channel, method: publish)
            buffer.writeAMQPContentHeaderFrame(
                channel: AMQPBenchHandshake.channel, bodySize: UInt64(self.body.readableBytes), properties: properties)
            buffer.writeAMQPBodyFrames(channel: AMQPBenchHandshake.channel, body: self.body, frameMax: frameMax)
        }
        if configuration.confirm { self.confirms.published(allowed) }
        self.run.published(allowed)
        context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)

        self.schedulePublish(in: nil)
    }

    /// Runs `publishBatches` again after the events already queued on the loop (or after `delay`).
    private func schedulePublish(in delay: TimeAmount?) {
        guard !self.publishScheduled, let context else { return }
        self.publishScheduled = true
        let loop = context.eventLoop.assumeIsolated()
        if let delay {
            loop.scheduleTask(in: delay) {
                self.publishScheduled = false
                self.publishBatches()
            }
        } else {
            loop.execute {
                self.publishScheduled = false
                self.publishBatches()
            }
        }
    }

    // MARK: - Closing

    /// Sends connection.close; the socket closes on close-ok (or when the run gives up waiting).
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

    /// Closes the socket without the AMQP close handshake.
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

    mutating func acknowledged(_ tag: UInt64, multiple: Bool) {
        if multiple {
            guard tag >= self.lowestUnconfirmed else { return }
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
    }
}
