import Histogram
import NIOCore
import NIOPosix

/// The result line of one run.
struct AMQPBenchReport: Sendable {
    var received: Int
    var seconds: Double
    /// End-to-end latency percentiles in microseconds.
    var p50: UInt64
    var p99: UInt64
    var p999: UInt64
    var max: UInt64
    var lost: Int
    var duplicates: Int

    var line: String {
        let rate = self.seconds > 0 ? Int(Double(self.received) / self.seconds) : 0
        return "amqp msg/s=\(rate) p50=\(self.p50)us p99=\(self.p99)us p99.9=\(self.p999)us max=\(self.max)us "
            + "lost=\(self.lost) duplicates=\(self.duplicates)"
    }
}

/// Coordinates one run on a single event loop: connects consumers, then publishers, starts publishing when all
/// are ready, counts what arrives, and finishes when everything published arrived or progress stalls.
///
/// Everything here is confined to `eventLoop`; handlers call it directly. One loop keeps the bench simple and its
/// own overhead visible; run several bench processes to load a broker from more cores.
final class AMQPBenchRun {
    let configuration: AMQPBenchConfiguration
    let eventLoop: any EventLoop
    /// Tells this run's messages apart from leftovers of earlier runs in the same queue.
    let runID = UInt16.random(in: 1...UInt16.max)

    private let promise: EventLoopPromise<AMQPBenchReport>
    private var publishers: [AMQPBenchClientHandler] = []
    private var consumers: [AMQPBenchClientHandler] = []
    private var readyConsumers = 0
    private var readyPublishers = 0
    private var finishedPublishers = 0
    private var openConnections = 0
    private var failure: String?
    private var isFinishing = false

    private var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000)
    /// Per publisher, one octet per sequence: how often it arrived.
    private var seen: [[UInt8]]
    private var publishedCount = 0
    private var uniqueCount = 0
    private var duplicateCount = 0
    /// When publishing started (uptime nanoseconds).
    private(set) var startNanoseconds: UInt64 = 0
    private var lastReceiveNanoseconds: UInt64 = 0
    private var publishDeadline: UInt64 = .max

    private init(configuration: AMQPBenchConfiguration, eventLoop: any EventLoop) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.promise = eventLoop.makePromise()
        self.seen = (0..<configuration.publishers).map {
            [UInt8](repeating: 0, count: configuration.quota(ofPublisher: $0) ?? 0)
        }
    }

    /// Runs the benchmark to completion on a one-thread event loop group.
    static func run(_ configuration: AMQPBenchConfiguration) async throws -> AMQPBenchReport {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let result: Result<AMQPBenchReport, any Error>
        do {
            let report = try await loop.flatSubmit {
                AMQPBenchRun(configuration: configuration, eventLoop: loop).start()
            }.get()
            result = .success(report)
        } catch {
            result = .failure(error)
        }
        try await group.shutdownGracefully()
        return try result.get()
    }

    private func start() -> EventLoopFuture<AMQPBenchReport> {
        for index in 0..<self.configuration.consumers {
            self.connect(.consumer(index: index))
        }
        return self.promise.futureResult
    }

    private func connect(_ role: AMQPBenchClientHandler.Role) {
        let handler = AMQPBenchClientHandler(role: role, run: self)
        switch role {
        case .publisher: self.publishers.append(handler)
        case .consumer: self.consumers.append(handler)
        }
        self.openConnections += 1
        let boundHandler = NIOLoopBound(handler, eventLoop: self.eventLoop)
        let boundRun = NIOLoopBound(self, eventLoop: self.eventLoop)
        ClientBootstrap(group: self.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(boundHandler.value)
                }
            }
            .connect(host: self.configuration.host, port: self.configuration.port)
            .whenFailure { error in
                boundRun.value.openConnections -= 1
                boundRun.value.fail(
                    "cannot connect to \(boundRun.value.configuration.host):"
                        + "\(boundRun.value.configuration.port): \(error)")
            }
    }

    // MARK: - Events from connections

    func consumerReady() {
        self.readyConsumers += 1
        guard self.readyConsumers == self.configuration.consumers else { return }
        for index in 0..<self.configuration.publishers {
            self.connect(.publisher(index: index))
        }
    }

    func publisherReady() {
        self.readyPublishers += 1
        guard self.readyPublishers == self.configuration.publishers else { return }
        self.startNanoseconds = NIODeadline.now().uptimeNanoseconds
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

    func published(_ count: Int) {
        self.publishedCount += count
    }

    func publishNacked() {
        self.fail("the broker nacked a publish")
    }

    func publisherFinished() {
        self.finishedPublishers += 1
        if self.finishedPublishers == self.configuration.publishers {
            self.watchDrain(lastUnique: self.uniqueCount, stalledSince: NIODeadline.now())
        }
    }

    /// A delivery was fully received; `stamp` is nil when its body was too short to carry one.
    func received(_ stamp: AMQPBenchBody?) {
        guard let stamp, stamp.runID == self.runID, Int(stamp.publisher) < self.seen.count else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        self.lastReceiveNanoseconds = now
        self.histogram.record((now &- stamp.sentNanoseconds) / 1000)
        let publisher = Int(stamp.publisher)
        let sequence = Int(clamping: stamp.sequence)
        if sequence >= self.seen[publisher].count {
            // Duration runs have no fixed count: grow, bounded by what was published.
            guard sequence < self.publishedCount else { return }
            self.seen[publisher].append(contentsOf: repeatElement(0, count: sequence + 1 - self.seen[publisher].count))
        }
        if self.seen[publisher][sequence] == 0 {
            self.uniqueCount += 1
        } else {
            self.duplicateCount += 1
        }
        self.seen[publisher][sequence] &+= 1
        if let count = self.configuration.count, self.uniqueCount == count,
            self.finishedPublishers == self.configuration.publishers
        {
            self.finish()
        }
    }

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
        for handler in self.publishers + self.consumers {
            handler.abort()
        }
        self.promise.fail(AMQPBenchFailure(reason: reason))
    }

    // MARK: - Finishing

    private func watchDrain(lastUnique: Int, stalledSince: NIODeadline) {
        guard !self.isFinishing else { return }
        if self.uniqueCount >= self.publishedCount {
            self.finish()
            return
        }
        let now = NIODeadline.now()
        let progressed = self.uniqueCount != lastUnique
        if !progressed && now - stalledSince >= .seconds(Int64(self.configuration.drainTimeoutSeconds)) {
            self.finish()
            return
        }
        let unique = self.uniqueCount
        self.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(100)) {
            self.watchDrain(lastUnique: unique, stalledSince: progressed ? now : stalledSince)
        }
    }

    private func finish() {
        guard !self.isFinishing else { return }
        self.isFinishing = true
        for handler in self.publishers + self.consumers {
            handler.close()
        }
        self.eventLoop.assumeIsolated().scheduleTask(in: .seconds(2)) {
            for handler in self.publishers + self.consumers {
                handler.abort()
            }
            self.complete()
        }
    }

    private func complete() {
        guard self.failure == nil else { return }
        let end =
            self.lastReceiveNanoseconds > self.startNanoseconds ? self.lastReceiveNanoseconds : self.startNanoseconds
        let report = AMQPBenchReport(
            received: self.uniqueCount, seconds: Double(end - self.startNanoseconds) / 1e9,
            p50: self.histogram.valueAtPercentile(50), p99: self.histogram.valueAtPercentile(99),
            p999: self.histogram.valueAtPercentile(99.9), max: self.histogram.max,
            lost: max(self.publishedCount - self.uniqueCount, 0), duplicates: self.duplicateCount)
        self.promise.succeed(report)
    }
}

@available(*, unavailable)
extension AMQPBenchRun: Sendable {}

/// Why a run stopped early.
struct AMQPBenchFailure: Error, CustomStringConvertible {
    var reason: String
    var description: String { "junction-bench: \(self.reason)" }
}
