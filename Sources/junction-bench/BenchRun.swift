import Histogram
import NIOCore
import NIOPosix
import NIOSSL

/// Coordinates one run on a single event loop: connects consumers, then publishers, starts publishing when all
/// are ready, records what arrives, and finishes when every expected delivery arrived or progress stalls.
///
/// Everything here is confined to `eventLoop`; clients call it directly. One loop keeps the bench simple and its
/// own overhead visible; run several bench processes to load a broker from more cores.
final class BenchRun {
    typealias ClientFactory = (BenchRole, BenchRun) -> any BenchClient

    let configuration: BenchConfiguration
    let eventLoop: any EventLoop
    /// Tells this run's messages apart from leftovers of earlier runs in the same queue or stream.
    let runID = UInt16.random(in: 1...UInt16.max)

    private let makeClient: ClientFactory
    private let groupOfConsumer: (Int) -> Int
    private let promise: EventLoopPromise<BenchReport>
    private var clients: [any BenchClient] = []
    private var publishers: [any BenchClient] = []
    private var readyConsumers = 0
    private var readyPublishers = 0
    private var finishedPublishers = 0
    private var openConnections = 0
    private var failure: String?
    private var isFinishing = false

    private var recorder: BenchRecorder
    /// Messages sent, in total and per publisher.
    private var publishedCount = 0
    private var publishedBy: [Int]
    /// When publishing started and ended, when consuming started, and the last delivery (uptime nanoseconds).
    private(set) var startNanoseconds: UInt64 = 0
    private var publishEndNanoseconds: UInt64 = 0
    private var consumeStartNanoseconds: UInt64 = 0
    private var lastReceiveNanoseconds: UInt64 = 0
    private var publishDeadline: UInt64 = .max
    /// The broker's CPU seconds when publishing started and over the run (`--broker-pid`).
    private var brokerCPUAtStart: Double?
    private var brokerCPUSeconds: Double?

    private init(
        configuration: BenchConfiguration, groups: Int, groupOfConsumer: @escaping (Int) -> Int,
        eventLoop: any EventLoop, makeClient: @escaping ClientFactory
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.makeClient = makeClient
        self.groupOfConsumer = groupOfConsumer
        self.promise = eventLoop.makePromise()
        self.recorder = BenchRecorder(
            publishers: configuration.publishers, consumers: configuration.consumers, groups: groups)
        self.publishedBy = Array(repeating: 0, count: configuration.publishers)
    }

    /// Runs the benchmark to completion on a one-thread event loop group.
    ///
    /// `groups` delivery groups; consumer `i` belongs to `groupOfConsumer(i)` (see `BenchRecorder`).
    static func run(
        _ configuration: BenchConfiguration, groups: Int, groupOfConsumer: @escaping @Sendable (Int) -> Int,
        makeClient: @escaping @Sendable (BenchRole, BenchRun) -> any BenchClient
    ) async throws -> BenchReport {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let result: Result<BenchReport, any Error>
        do {
            let report = try await loop.flatSubmit {
                BenchRun(
                    configuration: configuration, groups: groups, groupOfConsumer: groupOfConsumer, eventLoop: loop,
                    makeClient: makeClient
                ).start()
            }.get()
            result = .success(report)
        } catch {
            result = .failure(error)
        }
        try await group.shutdownGracefully()
        return try result.get()
    }

    private func start() -> EventLoopFuture<BenchReport> {
        if self.configuration.consumers == 0 || self.configuration.consumeAfterPublishing {
            self.connectPublishers()
        } else {
            self.connectConsumers()
        }
        return self.promise.futureResult
    }

    private func connectConsumers() {
        for index in 0..<self.configuration.consumers {
            self.connect(.consumer(index: index, group: self.groupOfConsumer(index)))
        }
    }

    private func connectPublishers() {
        for index in 0..<self.configuration.publishers {
            self.connect(.publisher(index: index))
        }
    }

    private func connect(_ role: BenchRole) {
        let client = self.makeClient(role, self)
        self.clients.append(client)
        if case .publisher = role { self.publishers.append(client) }
        self.openConnections += 1
        let boundClient = NIOLoopBound(client, eventLoop: self.eventLoop)
        let boundRun = NIOLoopBound(self, eventLoop: self.eventLoop)
        let tls = self.configuration.tls
        ClientBootstrap(group: self.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: nil))
                    }
                    try boundClient.value.addHandlers(to: channel.pipeline.syncOperations)
                }
            }
            .connect(host: self.configuration.host, port: self.configuration.port)
            .whenFailure { error in
                let run = boundRun.value
                run.openConnections -= 1
                run.fail("cannot connect to \(run.configuration.host):\(run.configuration.port): \(error)")
            }
    }

    // MARK: - Events from clients

    func consumerReady() {
        self.readyConsumers += 1
        guard self.readyConsumers == self.configuration.consumers else { return }
        if self.configuration.consumeAfterPublishing {
            self.consumeStartNanoseconds = NIODeadline.now().uptimeNanoseconds
        } else {
            self.connectPublishers()
        }
    }

    func publisherReady() {
        self.readyPublishers += 1
        guard self.readyPublishers == self.configuration.publishers else { return }
        self.startNanoseconds = NIODeadline.now().uptimeNanoseconds
        self.consumeStartNanoseconds = self.startNanoseconds
        self.brokerCPUAtStart = self.configuration.brokerCPU?.seconds()
        if let seconds = self.configuration.durationSeconds {
            self.publishDeadline = self.startNanoseconds + UInt64(seconds) * 1_000_000_000
        }
        for publisher in self.publishers {
            publisher.startPublishing()
        }
    }

    func publishDeadlinePassed() -> Bool {
        self.publishDeadline != .max && NIODeadline.now().uptimeNanoseconds >= self.publishDeadline
    }

    func published(_ count: Int, by publisher: Int) {
        self.publishedCount += count
        self.publishedBy[publisher] += count
    }

    func publishRefused(_ what: String) {
        self.fail("the broker refused a publish: \(what)")
    }

    func publisherFinished() {
        self.finishedPublishers += 1
        guard self.finishedPublishers == self.configuration.publishers else { return }
        self.publishEndNanoseconds = NIODeadline.now().uptimeNanoseconds
        if self.configuration.consumers == 0 {
            self.finish()
            return
        }
        if self.configuration.consumeAfterPublishing {
            self.connectConsumers()
        }
        self.watchDrain(lastUnique: self.recorder.uniqueCount, stalledSince: NIODeadline.now())
    }

    /// A delivery was fully received by consumer `consumer` of `group`; `stamp` is nil when its body was too short.
    func received(_ stamp: BenchStamp?, consumer: Int, group: Int) {
        guard let stamp, stamp.runID == self.runID, !self.isFinishing else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        self.lastReceiveNanoseconds = now
        self.recorder.record(stamp, consumer: consumer, group: group, nowNanoseconds: now) { self.publishedBy[$0] }
        if self.finishedPublishers == self.configuration.publishers, self.recorder.uniqueCount >= self.expected {
            self.finish()
        }
    }

    private var expected: Int { self.publishedCount * self.configuration.copies }

    func connectionClosed(expected: Bool) {
        self.openConnections -= 1
        if !expected && !self.isFinishing {
            self.fail("the broker closed a connection")
        }
        if self.isFinishing && self.openConnections == 0 {
            self.complete()
        }
    }

    func fail(_ reason: String) {
        guard self.failure == nil, !self.isFinishing else { return }
        self.failure = reason
        self.isFinishing = true
        for client in self.clients {
            client.abort()
        }
        self.promise.fail(BenchFailure(reason: reason))
    }

    // MARK: - Finishing

    private func watchDrain(lastUnique: Int, stalledSince: NIODeadline) {
        guard !self.isFinishing else { return }
        if self.recorder.uniqueCount >= self.expected {
            self.finish()
            return
        }
        let now = NIODeadline.now()
        let progressed = self.recorder.uniqueCount != lastUnique
        if !progressed && now - stalledSince >= .seconds(Int64(self.configuration.drainTimeoutSeconds)) {
            self.finish()
            return
        }
        let unique = self.recorder.uniqueCount
        self.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(100)) {
            self.watchDrain(lastUnique: unique, stalledSince: progressed ? now : stalledSince)
        }
    }

    private func finish() {
        guard !self.isFinishing else { return }
        self.isFinishing = true
        if let start = self.brokerCPUAtStart, let end = self.configuration.brokerCPU?.seconds() {
            self.brokerCPUSeconds = end - start
        }
        for client in self.clients {
            client.close()
        }
        self.eventLoop.assumeIsolated().scheduleTask(in: .seconds(2)) {
            for client in self.clients {
                client.abort()
            }
            self.complete()
        }
    }

    private var isComplete = false

    private func complete() {
        guard self.failure == nil, !self.isComplete else { return }
        self.isComplete = true
        let configuration = self.configuration
        let publishSeconds = Double(self.publishEndNanoseconds &- self.startNanoseconds) / 1e9
        let consumeEnd = max(self.lastReceiveNanoseconds, self.consumeStartNanoseconds)
        let consumeSeconds = Double(consumeEnd - self.consumeStartNanoseconds) / 1e9
        let histogram = self.recorder.histogram
        let report = BenchReport(
            protocol: configuration.protocolName, scenario: configuration.scenario,
            publishers: configuration.publishers, consumers: configuration.consumers, size: configuration.bodySize,
            published: self.publishedCount, received: self.recorder.uniqueCount, expected: self.expected,
            sendRate: publishSeconds > 0 ? Double(self.publishedCount) / publishSeconds : 0,
            receiveRate: consumeSeconds > 0 ? Double(self.recorder.uniqueCount) / consumeSeconds : 0,
            p50: histogram.valueAtPercentile(50), p90: histogram.valueAtPercentile(90),
            p99: histogram.valueAtPercentile(99), p999: histogram.valueAtPercentile(99.9), max: histogram.max,
            lost: configuration.consumers == 0 ? 0 : max(self.expected - self.recorder.uniqueCount, 0),
            duplicates: self.recorder.duplicateCount, reordered: self.recorder.reorderedCount,
            brokerCPUSeconds: self.brokerCPUSeconds,
            brokerCPUMicrosecondsPerMessage: self.brokerCPUSeconds.flatMap { seconds in
                let messages = configuration.consumers == 0 ? self.publishedCount : self.recorder.uniqueCount
                return messages > 0 ? seconds * 1e6 / Double(messages) : nil
            })
        self.promise.succeed(report)
    }
}

@available(*, unavailable)
extension BenchRun: Sendable {}
