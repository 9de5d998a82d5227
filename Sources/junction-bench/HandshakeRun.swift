import Histogram
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// One `junction-bench handshake` run, confined to one event loop: keeps `concurrency` connections
/// being set up until `total` were, and times each from connect to ready (TLS: handshake done).
final class HandshakeRun {
    struct Settings: Sendable {
        var host: String
        var port: Int
        var total: Int
        var concurrency: Int
        var tls: NIOSSLContext?
        var brokerCPU: BrokerCPUSampler?
    }

    private let settings: Settings
    private let loop: any EventLoop
    private let promise: EventLoopPromise<BenchReport>
    private var started = 0
    private var finished = 0
    private var failed = 0
    private var firstFailure: String?
    private var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000)
    private var startNanoseconds: UInt64 = 0
    private var brokerCPUAtStart: Double?

    init(_ settings: Settings, loop: any EventLoop) {
        self.settings = settings
        self.loop = loop
        self.promise = loop.makePromise()
    }

    func start() -> EventLoopFuture<BenchReport> {
        self.startNanoseconds = NIODeadline.now().uptimeNanoseconds
        self.brokerCPUAtStart = self.settings.brokerCPU?.seconds()
        for _ in 0..<min(self.settings.concurrency, self.settings.total) {
            self.connectNext()
        }
        return self.promise.futureResult
    }

    private func connectNext() {
        guard self.started < self.settings.total else { return }
        self.started += 1
        let began = NIODeadline.now().uptimeNanoseconds
        let bound = NIOLoopBound(self, eventLoop: self.loop)
        let tls = self.settings.tls
        ClientBootstrap(group: self.loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ready = ReadyHandler(tls: tls != nil) { bound.value.ready(began: began, error: $0) }
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(ready)
                }
            }
            .connect(host: self.settings.host, port: self.settings.port)
            .whenFailure { error in bound.value.ready(began: began, error: error) }
    }

    /// A connection is up (`error` nil) or failed to come up.
    private func ready(began: UInt64, error: (any Error)?) {
        self.finished += 1
        if let error {
            self.failed += 1
            if self.firstFailure == nil { self.firstFailure = "\(error)" }
        } else {
            self.histogram.record((NIODeadline.now().uptimeNanoseconds - began) / 1000)
        }
        if self.finished == self.settings.total {
            self.complete()
        } else {
            self.connectNext()
        }
    }

    private func complete() {
        if self.failed == self.settings.total {
            self.promise.fail(BenchFailure(reason: "no connection came up: \(self.firstFailure ?? "?")"))
            return
        }
        let seconds = Double(NIODeadline.now().uptimeNanoseconds - self.startNanoseconds) / 1e9
        let succeeded = self.settings.total - self.failed
        var cpu: Double?
        if let start = self.brokerCPUAtStart, let end = self.settings.brokerCPU?.seconds() { cpu = end - start }
        let histogram = self.histogram
        // Connections are the "messages": the rate is connections per second, a failure counts as lost.
        self.promise.succeed(
            BenchReport(
                protocol: self.settings.tls == nil ? "tcp-connect" : "tls-handshake", scenario: "",
                publishers: self.settings.concurrency, consumers: 0, size: 0, published: succeeded,
                received: succeeded, expected: self.settings.total, sendRate: Double(succeeded) / seconds,
                receiveRate: Double(succeeded) / seconds, p50: histogram.valueAtPercentile(50),
                p90: histogram.valueAtPercentile(90), p99: histogram.valueAtPercentile(99),
                p999: histogram.valueAtPercentile(99.9), max: histogram.max, lost: self.failed, duplicates: 0,
                reordered: 0, brokerCPUSeconds: cpu,
                brokerCPUMicrosecondsPerMessage: cpu.map { $0 * 1e6 / Double(max(succeeded, 1)) }))
    }
}

@available(*, unavailable)
extension HandshakeRun: Sendable {}

/// Reports once when the connection is usable (TCP: connected; TLS: handshake completed) or failed,
/// then closes it.
private final class ReadyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let tls: Bool
    private var report: (((any Error)?) -> Void)?

    init(tls: Bool, report: @escaping ((any Error)?) -> Void) {
        self.tls = tls
        self.report = report
    }

    private func done(_ context: ChannelHandlerContext, _ error: (any Error)?) {
        guard let report = self.report else { return }
        self.report = nil
        report(error)
        context.close(promise: nil)
    }

    func channelActive(context: ChannelHandlerContext) {
        if !self.tls { self.done(context, nil) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { self.done(context, nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.done(context, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.done(context, BenchFailure(reason: "closed before it was up"))
        context.fireChannelInactive()
    }
}
