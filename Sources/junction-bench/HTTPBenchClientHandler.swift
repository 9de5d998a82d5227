import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP bench connection (keep-alive, one request in flight): both roles declare the queue
/// (`PUT /api/queues/{vhost}/{queue}`); a publisher then POSTs each message to
/// `/api/exchanges/{vhost}/amq.default/publish`, a consumer polls `/api/queues/{vhost}/{queue}/get`.
final class HTTPBenchClientHandler: ChannelInboundHandler, BenchClient {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// Where an `http` run publishes and gets.
    struct Settings: Sendable {
        var host: String
        var virtualHost: String
        var queue: String
        var getCount: Int
        var authorization: String

        private var encodedVirtualHost: String {
            self.virtualHost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self.virtualHost
        }
        var declarePath: String { "/api/queues/\(self.encodedVirtualHost)/\(self.queue)" }
        var publishPath: String { "/api/exchanges/\(self.encodedVirtualHost)/amq.default/publish" }
        var getPath: String { "/api/queues/\(self.encodedVirtualHost)/\(self.queue)/get" }
    }

    private enum Phase {
        case declaring
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
    private var phase = Phase.declaring
    private var context: ChannelHandlerContext?
    private var status: HTTPResponseStatus = .ok
    private var responseBody = ByteBuffer()

    private var body: ByteBuffer
    private var publisher: BenchPublisher
    private let scheduler = BenchPublishScheduler()
    private var pollScheduled = false

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

    func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHTTPClientHandlers()
        try pipeline.addHandler(self)
    }

    // MARK: - Channel events

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        self.request(.PUT, self.settings.declarePath, body: #"{"durable":false,"auto_delete":false}"#, context: context)
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

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.publishBatches() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.run.fail("connection error: \(error)")
        context.close(promise: nil)
    }

    // MARK: - Requests and responses

    private func request(_ method: HTTPMethod, _ path: String, body: String, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: self.settings.host)
        head.headers.add(name: "Authorization", value: self.settings.authorization)
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(buffer.readableBytes))
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func responseReceived(context: ChannelHandlerContext) {
        guard (200..<300).contains(self.status.code) else {
            self.run.fail("HTTP \(self.status.code): \(String(buffer: self.responseBody))")
            return
        }
        switch self.phase {
        case .declaring:
            switch self.role {
            case .publisher:
                self.phase = .waitingToPublish
                self.run.publisherReady()
            case .consumer:
                self.phase = .consuming
                self.run.consumerReady()
                self.poll()
            }
        case .publishing, .published:
            self.publisher.confirmed(1)
            self.publishBatches()
        case .consuming:
            let count = self.deliver(self.responseBody)
            self.schedulePoll(in: count == 0 ? .milliseconds(2) : nil)
        case .waitingToPublish, .closing, .closed:
            break
        }
    }

    /// Reports the messages of a get response; returns how many there were.
    private func deliver(_ response: ByteBuffer) -> Int {
        guard case .consumer(let index, let group) = self.role,
            let messages = try? JSONSerialization.jsonObject(with: Data(response.readableBytesView)) as? [[String: Any]]
        else {
            self.run.fail("unreadable get response: \(String(buffer: response).prefix(200))")
            return 0
        }
        for message in messages {
            guard let payload = message["payload"] as? String, let bytes = Data(base64Encoded: payload) else {
                continue
            }
            self.run.received(BenchStamp(from: ByteBuffer(bytes: bytes)), consumer: index, group: group)
        }
        return messages.count
    }

    private func poll() {
        guard case .consuming = self.phase, let context else { return }
        let body = #"{"count":\#(self.settings.getCount),"ackmode":"ack_requeue_false","encoding":"base64"}"#
        self.request(.POST, self.settings.getPath, body: body, context: context)
    }

    private func schedulePoll(in delay: TimeAmount?) {
        guard !self.pollScheduled, let context else { return }
        self.pollScheduled = true
        context.benchSchedule(in: delay) {
            self.pollScheduled = false
            self.poll()
        }
    }

    // MARK: - Publishing

    func startPublishing() {
        guard case .waitingToPublish = self.phase else { return }
        self.phase = .publishing
        self.publishBatches()
    }

    /// One request in flight: the window is 1, so `decide` allows one message after each response.
    private func publishBatches() {
        guard case .publishing = self.phase, let context else { return }
        let decision = self.publisher.decide(run: self.run, isWritable: context.channel.isWritable)
        if case .send(let count) = decision {
            for _ in 0..<count {
                self.publisher.stampNext(&self.body, run: self.run)
                let payload = Data(self.body.readableBytesView).base64EncodedString()
                let json =
                    #"{"properties":{},"routing_key":"\#(self.settings.queue)","payload":"\#(payload)","payload_encoding":"base64"}"#
                self.request(.POST, self.settings.publishPath, body: json, context: context)
            }
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

    /// HTTP has no goodbye: closing the keep-alive connection is the end.
    func close() {
        guard let context else { return }
        switch self.phase {
        case .closing, .closed:
            return
        case .declaring, .waitingToPublish, .publishing, .published, .consuming:
            self.phase = .closing
            context.close(promise: nil)
        }
    }

    func abort() {
        self.context?.close(promise: nil)
    }
}

@available(*, unavailable)
extension HTTPBenchClientHandler: Sendable {}
