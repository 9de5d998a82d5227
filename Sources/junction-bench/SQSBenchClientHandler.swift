import NIOCore
import NIOHTTP1

/// One SQS bench connection (keep-alive, one request in flight). Both roles create the queue first; a
/// publisher then sends `SendMessageBatch` requests of up to `--batch` messages, a consumer loops on
/// `ReceiveMessage` (10, long poll) followed by `DeleteMessageBatch` of what it received.
///
/// A message body is the bench stamp in hex (SQS bodies are text) followed by `.` up to `--size`.
final class SQSBenchClientHandler: ChannelInboundHandler, BenchClient {
    typealias InboundIn = HTTPClientResponsePart

    struct Settings: Sendable {
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
    private let settings: Settings
    private var phase = Phase.creating
    private var context: ChannelHandlerContext?
    /// Where whole requests are written: the context of `outlet`, ahead of the response decoder.
    private var outletContext: ChannelHandlerContext?
    private let outlet = SQSBenchRequestOutlet()
    private let decoder = HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)
    /// What the decoder is told of each request (only the method matters to it: a HEAD answer has no body).
    private let requestHead = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")
    private var requests: SQSBenchRequest
    private var status: HTTPResponseStatus = .ok
    private var responseBody: ByteBuffer?
    private var queueURL: [UInt8] = []
    /// A message body: the stamp in hex (rewritten per message), then the padding.
    private var messageBody: [UInt8]
    private var publisher: BenchPublisher
    private let scheduler = BenchPublishScheduler()
    private var inFlight = 0

    /// The members read from answers (`SQSBenchAnswer.scan` compares their bytes).
    private static let queueURLKey = [Array("QueueUrl".utf8)]
    private static let codeKey = [Array("Code".utf8)]
    private static let messageKeys = [Array("Body".utf8), Array("ReceiptHandle".utf8)]

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
        self.requests = SQSBenchRequest(signer: settings.signer, allocator: ByteBufferAllocator())
        self.messageBody =
            [UInt8](repeating: UInt8(ascii: "0"), count: 2 * BenchStamp.headerSize)
            + [UInt8](
                repeating: UInt8(ascii: "."), count: max(0, run.configuration.bodySize - 2 * BenchStamp.headerSize))
    }

    func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        // NIO's response decoder without its request encoder: requests are written whole (see `send`).
        try pipeline.addHandler(self.outlet)
        try pipeline.addHandler(ByteToMessageHandler(self.decoder))
        try pipeline.addHandler(self)
        self.outletContext = try pipeline.context(handler: self.outlet)
    }

    // MARK: - Channel events

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        self.requests.begin()
        SQSBenchJSON.createQueue(name: self.settings.queue, into: &self.requests.buffer)
        self.send("AmazonSQS.CreateQueue")
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let wasClosing = if case .closing = self.phase { true } else { false }
        self.phase = .closed
        self.context = nil
        self.outletContext = nil
        self.run.connectionClosed(expected: wasClosing)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = head.status
            self.responseBody = nil
        case .body(var part):
            // A body in one part (the usual case) is kept as it is, not copied.
            if self.responseBody == nil {
                self.responseBody = part
            } else {
                self.responseBody!.writeBuffer(&part)
            }
        case .end:
            let body = self.responseBody ?? ByteBuffer()
            self.responseBody = nil
            self.responseReceived(body)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.run.fail("connection error: \(error)")
        context.close(promise: nil)
    }

    // MARK: - Requests and responses

    /// Signs the request whose body was written since `requests.begin()` and writes it, head and body in one
    /// buffer, past NIO's request encoder; the decoder is told of it as the encoder would have told it.
    private func send(_ target: StaticString) {
        guard let outlet = self.outletContext else { return }
        self.decoder.write(data: .head(self.requestHead))
        outlet.writeAndFlush(NIOAny(self.requests.finish(target: target)), promise: nil)
    }

    private func responseReceived(_ body: ByteBuffer) {
        guard self.status.code == 200 else {
            self.run.fail("SQS \(self.status.code): \(String(buffer: body).prefix(300))")
            return
        }
        switch self.phase {
        case .creating:
            guard let url = SQSBenchAnswer.strings(Self.queueURLKey, in: body).first?.value else {
                self.run.fail("CreateQueue returned no QueueUrl")
                return
            }
            self.queueURL = Array(url.utf8)
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
            let failures = SQSBenchAnswer.strings(Self.codeKey, in: body)
            if !failures.isEmpty {
                self.run.fail("SendMessageBatch failed entries: \(failures.prefix(3).map(\.value))")
                return
            }
            self.publisher.confirmed(self.inFlight)
            self.inFlight = 0
            self.publishBatches()
        case .receiving:
            self.received(body)
        case .deleting:
            self.phase = .receiving
            self.receive()
        case .waitingToPublish, .closing, .closed:
            break
        }
    }

    // MARK: - Consuming

    private func receive() {
        guard case .receiving = self.phase else { return }
        self.requests.begin()
        SQSBenchJSON.receive(
            queueURL: self.queueURL, maximum: 10, waitSeconds: self.settings.waitSeconds,
            into: &self.requests.buffer)
        self.send("AmazonSQS.ReceiveMessage")
    }

    /// Checks each message's stamp (its `Body`) and deletes the messages: the `DeleteMessageBatch` body is
    /// written while the answer is read, each `ReceiptHandle` copied from the answer's bytes into it.
    private func received(_ answer: ByteBuffer) {
        guard case .consumer(let index, let group) = self.role else { return }
        self.requests.begin()
        SQSBenchJSON.beginBatch(queueURL: self.queueURL, into: &self.requests.buffer)
        var handles = 0
        SQSBenchAnswer.scan(answer, keys: Self.messageKeys) { key, text, escaped in
            if key == 0 {
                self.run.received(Self.stamp(fromHex: text, escaped: escaped), consumer: index, group: group)
            } else if escaped {
                Array(SQSBenchAnswer.unescape(text).utf8).withUnsafeBytes {
                    SQSBenchJSON.entry(handles, field: "ReceiptHandle", value: $0, into: &self.requests.buffer)
                }
                handles += 1
            } else {
                SQSBenchJSON.entry(handles, field: "ReceiptHandle", value: text, into: &self.requests.buffer)
                handles += 1
            }
        }
        guard handles > 0 else {
            self.receive()
            return
        }
        SQSBenchJSON.endBatch(into: &self.requests.buffer)
        self.phase = .deleting
        self.send("AmazonSQS.DeleteMessageBatch")
    }

    /// The stamp in the hex at the front of a body (still JSON-escaped when `escaped`); nil when it is not hex.
    private static func stamp(fromHex text: UnsafeRawBufferPointer, escaped: Bool) -> BenchStamp? {
        guard !escaped else {
            return Array(SQSBenchAnswer.unescape(text).utf8).withUnsafeBytes { Self.stamp(fromHex: $0, escaped: false) }
        }
        guard text.count >= 2 * BenchStamp.headerSize else { return nil }
        // Big-endian fields of 8, 2, 2 and 4 bytes (`BenchStamp`), decoded straight from the answer's bytes.
        func field(_ offset: Int, _ size: Int) -> UInt64? {
            var value: UInt64 = 0
            for digit in text[(2 * offset)..<(2 * (offset + size))] {
                guard let nibble = Self.nibble(digit) else { return nil }
                value = value << 4 | UInt64(nibble)
            }
            return value
        }
        guard let sent = field(0, 8), let runID = field(8, 2), let publisher = field(10, 2),
            let sequence = field(12, 4)
        else { return nil }
        return BenchStamp(
            sentNanoseconds: sent, runID: UInt16(runID), publisher: UInt16(publisher), sequence: UInt32(sequence))
    }

    /// The stamp's fields in big-endian hex at the front of `body` (what `stamp(fromHex:)` reads).
    private static func writeHex(of stamp: BenchStamp, into body: UnsafeMutableRawBufferPointer) {
        // The 16 bytes `BenchStamp.stamp` writes (8, 2, 2 and 4, with no padding between them in a tuple).
        let fields = (
            stamp.sentNanoseconds.bigEndian, stamp.runID.bigEndian, stamp.publisher.bigEndian, stamp.sequence.bigEndian
        )
        withUnsafeBytes(of: fields) { bytes in
            assert(bytes.count == BenchStamp.headerSize)
            SQSBenchJSON.hex(bytes, into: UnsafeMutableRawBufferPointer(rebasing: body[0..<2 * bytes.count]))
        }
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
            self.requests.begin()
            SQSBenchJSON.beginBatch(queueURL: self.queueURL, into: &self.requests.buffer)
            for number in 0..<count {
                let stamp = self.publisher.nextStamp(run: self.run)
                self.messageBody.withUnsafeMutableBytes { body in
                    Self.writeHex(of: stamp, into: body)
                    SQSBenchJSON.entry(
                        number, field: "MessageBody", value: UnsafeRawBufferPointer(body), into: &self.requests.buffer)
                }
            }
            SQSBenchJSON.endBatch(into: &self.requests.buffer)
            self.inFlight = count
            self.send("AmazonSQS.SendMessageBatch")
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
        guard let context = self.context else { return }
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

/// Marks the place in the pipeline where `SQSBenchClientHandler` writes its requests: between the socket and
/// the response decoder, whose write observer only knows `HTTPClientRequestPart`s.
final class SQSBenchRequestOutlet: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
}

@available(*, unavailable)
extension SQSBenchRequestOutlet: Sendable {}
