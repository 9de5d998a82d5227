import JunctionSTOMPCodec
import NIOCore

/// One STOMP bench connection: CONNECT, then a subscriber SUBSCRIBEs (with a receipt, so it knows it is
/// subscribed) and acknowledges once per read burst, while a publisher SENDs, optionally asking for a receipt per
/// message (bounded by a window of outstanding receipts).
final class STOMPBenchClientHandler: ChannelInboundHandler, BenchClient {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What a `stomp` run sends to and subscribes to.
    struct Settings: Sendable {
        var destination: String
        var ack: String
        var prefetch: Int
        var receipts: Bool
        var persistent: Bool
        var login: String
        var passcode: String
        var virtualHost: String
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

    private let role: BenchRole
    private let run: BenchRun
    private let settings: Settings
    private var decoder = STOMPFrameDecoder()
    private var version = STOMPVersion.v1_0
    private var inbound = ByteBuffer()
    private var phase = Phase.connecting
    private var context: ChannelHandlerContext?

    private var body: ByteBuffer
    private var publisher: BenchPublisher
    private let scheduler = BenchPublishScheduler()
    private var nextReceipt = 0
    /// The ack id of the last MESSAGE (`client` mode acks cumulatively) or of each (`client-individual`).
    private var pendingAcks: [String] = []

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

    // MARK: - Channel events

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        let connect = STOMPFrame(
            .connect,
            headers: [
                "accept-version": "1.0,1.1,1.2", "host": self.settings.virtualHost, "login": self.settings.login,
                "passcode": self.settings.passcode, "heart-beat": "0,0",
            ])
        self.send(connect, context: context)
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
        var data = Self.unwrapInboundIn(data)
        self.inbound.writeBuffer(&data)
        do {
            while let inbound = try self.decoder.decode(buffer: &self.inbound) {
                if case .frame(let frame) = inbound { self.frameReceived(frame, context: context) }
            }
        } catch {
            self.run.fail("decoding failed: \(error)")
            context.close(promise: nil)
        }
        if self.inbound.readerIndex > 65536 { self.inbound.discardReadBytes() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !self.pendingAcks.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: 64 * self.pendingAcks.count)
            let header = self.version == .v1_2 ? "id" : "message-id"
            for id in self.pendingAcks {
                var headers: STOMPHeaders = [header: id]
                if self.version == .v1_1 { headers.append("subscription", "0") }
                buffer.writeSTOMPFrame(STOMPFrame(.ack, headers: headers), version: self.version)
            }
            self.pendingAcks.removeAll(keepingCapacity: true)
            context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
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

    // MARK: - Frames

    private func frameReceived(_ frame: STOMPFrame, context: ChannelHandlerContext) {
        switch (self.phase, frame.command) {
        case (_, .error):
            self.run.fail("ERROR \(frame.headers["message"] ?? ""): \(String(buffer: frame.body))")
        case (.connecting, .connected):
            self.version = frame.headers["version"].flatMap(STOMPVersion.init(rawValue:)) ?? .v1_0
            self.decoder.version = self.version
            switch self.role {
            case .publisher:
                self.phase = .waitingToPublish
                self.run.publisherReady()
            case .consumer:
                self.phase = .subscribing
                var headers: STOMPHeaders = [
                    "destination": self.settings.destination, "id": "0", "ack": self.settings.ack,
                    "receipt": "subscribed",
                ]
                if self.settings.prefetch > 0 { headers.append("prefetch-count", String(self.settings.prefetch)) }
                if self.settings.persistent { headers.append("durable", "true") }
                self.send(STOMPFrame(.subscribe, headers: headers), context: context)
            }
        case (.subscribing, .receipt):
            self.phase = .consuming
            self.run.consumerReady()
        case (.consuming, .message), (.subscribing, .message):
            // A broker may deliver before the SUBSCRIBE's RECEIPT (STOMP does not order them; Junction sends
            // the receipt first): the message counts all the same.
            guard case .consumer(let index, let group) = self.role else { return }
            self.run.received(BenchStamp(from: frame.body), consumer: index, group: group)
            guard self.settings.ack != "auto", let id = frame.headers["ack"] ?? frame.headers["message-id"] else {
                return
            }
            if self.settings.ack == "client" {
                self.pendingAcks = [id]
            } else {
                self.pendingAcks.append(id)
            }
        case (.publishing, .receipt), (.published, .receipt):
            self.publisher.confirmed(1)
            self.publishBatches()
        case (.closing, _), (.closed, _):
            break
        default:
            self.run.fail("unexpected frame: \(frame.command.rawValue)")
        }
    }

    private func send(_ frame: STOMPFrame, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 128)
        buffer.writeSTOMPFrame(frame, version: self.version)
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
            var buffer = context.channel.allocator.buffer(capacity: count * (self.body.readableBytes + 96))
            for _ in 0..<count {
                self.publisher.stampNext(&self.body, run: self.run)
                var headers: STOMPHeaders = ["destination": self.settings.destination]
                if self.settings.persistent { headers.append("persistent", "true") }
                if self.settings.receipts {
                    headers.append("receipt", String(self.nextReceipt))
                    self.nextReceipt += 1
                }
                buffer.writeSTOMPFrame(STOMPFrame(.send, headers: headers, body: self.body), version: self.version)
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

    /// DISCONNECT without a receipt: the socket closes once it is written.
    func close() {
        guard let context else { return }
        switch self.phase {
        case .closing, .closed:
            return
        case .connecting, .subscribing, .waitingToPublish, .publishing, .published, .consuming:
            self.phase = .closing
            var buffer = context.channel.allocator.buffer(capacity: 16)
            buffer.writeSTOMPFrame(STOMPFrame(.disconnect), version: self.version)
            context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
            context.close(promise: nil)
        }
    }

    func abort() {
        self.context?.close(promise: nil)
    }
}

@available(*, unavailable)
extension STOMPBenchClientHandler: Sendable {}
