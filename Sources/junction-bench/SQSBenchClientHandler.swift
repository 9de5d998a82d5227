import Foundation
import NIOCore
import NIOHTTP1

/// One SQS bench connection (keep-alive, one request in flight). Both roles create the queue first; a
/// publisher then sends `SendMessageBatch` requests of up to `--batch` messages, a consumer loops on
/// `ReceiveMessage` (10, long poll) followed by `DeleteMessageBatch` of what it received.
///
/// A message body is the bench stamp in hex (SQS bodies are text) followed by `.` up to `--size`.
final class SQSBenchClientHandler: ChannelInboundHandler, BenchClient {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    struct Settings: Sendable {
        var host: String
        var queue: String
        var waitSeconds: Int
        var signer: SQSBenchSigner
    }

    private enum Phase {
        case creating
        case waitingToPublish
        case publishing
        case published
        case receiving
        case deleting
        case closing
        case closed
    }

    private let role: BenchRole
    private let run: BenchRun
    private var settings: Settings
    private var phase = Phase.creating
    private var context: ChannelHandlerContext?
    private var status: HTTPResponseStatus = .ok
    private var responseBody = ByteBuffer()
    private var queueURL = ""
    private var stampBuffer = ByteBuffer(repeating: 0, count: BenchStamp.headerSize)
    private let padding: String
    private var publisher: BenchPublisher
    private let scheduler = BenchPublishScheduler()
    private var inFlight = 0

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
        self.padding = String(repeating: ".", count: max(0, run.configuration.bodySize - 2 * BenchStamp.headerSize))
    }

    func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        // Every header value is the bench's own (no client text): validating them was a visible client cost.
        try pipeline.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
        try pipeline.addHandler(self)
    }

    // MARK: - Channel events

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        self.request("CreateQueue", ["QueueName": self.settings.queue], context: context)
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
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = head.status
            self.responseBody.clear()
        case .body(var part):
            self.responseBody.writeBuffer(&part)
        case .end:
            self.responseReceived(context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.run.fail("connection error: \(error)")
        context.close(promise: nil)
    }

    // MARK: - Requests and responses

    private func request(_ action: String, _ parameters: [String: Any], context: ChannelHandlerContext) {
        guard let json = try? JSONSerialization.data(withJSONObject: parameters) else {
            self.run.fail("cannot encode \(action)")
            return
        }
        self.request(action, body: Array(json), context: context)
    }

    private func request(_ action: String, body: [UInt8], context: ChannelHandlerContext) {
        let target = "AmazonSQS.\(action)"
        let (amzDate, authorization) = self.settings.signer.sign(target: target, body: body)
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")
        head.headers.add(name: "Host", value: self.settings.host)
        head.headers.add(name: "Content-Type", value: "application/x-amz-json-1.0")
        head.headers.add(name: "X-Amz-Date", value: amzDate)
        head.headers.add(name: "X-Amz-Target", value: target)
        head.headers.add(name: "Authorization", value: authorization)
        head.headers.add(name: "Content-Length", value: String(body.count))
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(
            Self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func responseReceived(context: ChannelHandlerContext) {
        guard self.status.code == 200 else {
            self.run.fail("SQS \(self.status.code): \(String(buffer: self.responseBody).prefix(300))")
            return
        }
        switch self.phase {
        case .creating:
            guard let url = SQSBenchAnswer.strings(["QueueUrl"], in: self.responseBody).first?.value else {
                self.run.fail("CreateQueue returned no QueueUrl")
                return
            }
            self.queueURL = url
            switch self.role {
            case .publisher:
                self.phase = .waitingToPublish
                self.run.publisherReady()
            case .consumer:
                self.phase = .receiving
                self.run.consumerReady()
                self.receive()
            }
        case .publishing, .published:
            // Only a failed entry has a `Code`.
            let failures = SQSBenchAnswer.strings(["Code"], in: self.responseBody)
            if !failures.isEmpty {
                self.run.fail("SendMessageBatch failed entries: \(failures.prefix(3).map(\.value))")
                return
            }
            self.publisher.confirmed(self.inFlight)
            self.inFlight = 0
            self.publishBatches()
        case .receiving:
            self.received(
                SQSBenchAnswer.strings(
                    ["Body", "ReceiptHandle"], in: self.responseBody, prefixes: [0: 2 * BenchStamp.headerSize]),
                context: context)
        case .deleting:
            self.phase = .receiving
            self.receive()
        case .waitingToPublish, .closing, .closed:
            break
        }
    }

    // MARK: - Consuming

    private func receive() {
        guard case .receiving = self.phase, let context else { return }
        self.request(
            "ReceiveMessage",
            body: SQSBenchJSON.receive(queueURL: self.queueURL, maximum: 10, waitSeconds: self.settings.waitSeconds),
            context: context)
    }

    /// `members`: each message's `Body` (key 0) and `ReceiptHandle` (key 1), in the answer's order.
    private func received(_ members: [(key: Int, value: String)], context: ChannelHandlerContext) {
        guard case .consumer(let index, let group) = self.role else { return }
        guard !members.isEmpty else {
            self.receive()
            return
        }
        var handles: [String] = []
        for (key, value) in members {
            if key == 0 {
                if let stamp = self.stamp(fromHex: value) { self.run.received(stamp, consumer: index, group: group) }
            } else {
                handles.append(value)
            }
        }
        self.phase = .deleting
        self.request(
            "DeleteMessageBatch",
            body: SQSBenchJSON.batch(queueURL: self.queueURL, field: "ReceiptHandle", values: handles),
            context: context)
    }

    private func stamp(fromHex body: String) -> BenchStamp? {
        let digits = Array(body.utf8.prefix(2 * BenchStamp.headerSize))
        guard digits.count == 2 * BenchStamp.headerSize else { return nil }
        self.stampBuffer.clear()
        for pair in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.nibble(digits[pair]), let low = Self.nibble(digits[pair + 1]) else { return nil }
            self.stampBuffer.writeInteger(high << 4 | low)
        }
        return BenchStamp(from: self.stampBuffer)
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    // MARK: - Publishing

    func startPublishing() {
        guard case .waitingToPublish = self.phase else { return }
        self.phase = .publishing
        self.publishBatches()
    }

    /// One batch in flight: the window is the batch size, so `decide` allows the next batch after a response.
    private func publishBatches() {
        guard case .publishing = self.phase, let context, self.inFlight == 0 else { return }
        let decision = self.publisher.decide(run: self.run, isWritable: context.channel.isWritable)
        if case .send(let count) = decision {
            var bodies: [String] = []
            for _ in 0..<count {
                self.stampBuffer.clear()
                self.stampBuffer.writeRepeatingByte(0, count: BenchStamp.headerSize)
                self.publisher.stampNext(&self.stampBuffer, run: self.run)
                bodies.append(SQSBenchSigner.hex(self.stampBuffer.readableBytesView) + self.padding)
            }
            self.inFlight = count
            self.request(
                "SendMessageBatch",
                body: SQSBenchJSON.batch(queueURL: self.queueURL, field: "MessageBody", values: bodies),
                context: context)
            self.run.published(count, by: self.publisher.index)
        }
        let finished = self.scheduler.follow(decision, context: context, againAfterSend: false) {
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
        default:
            self.phase = .closing
            context.close(promise: nil)
        }
    }

    func abort() {
        self.context?.close(promise: nil)
    }
}

@available(*, unavailable)
extension SQSBenchClientHandler: Sendable {}
