import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import JunctionTestSupport
import Logging
import NIOCore
import Testing

/// A paged durable queue after a restart or a crash: recovery rebuilds the index from the log
/// (bodies only for the in-memory window), nothing confirmed is lost, order holds, and the drain
/// reads the log in large sequential reads.
@Suite struct CorePagingRecoveryTests {
    let directory = NSTemporaryDirectory() + "junction-paging-recovery-\(UUID().uuidString)"
    static let budget = 8192
    static let persistent = MessageProperties(deliveryMode: 2)

    /// Opens the stores in `directory` without closing what a previous call opened: what a restart
    /// after `kill -9` finds (everything written, nothing closed or synced beyond what was).
    func open(_ fileSystem: any LogFileSystem = PosixLogFileSystem()) throws -> (Broker, LogQueueStore) {
        let store = try LogQueueStore(
            root: self.directory + "/queues", maxSegmentBytes: 64 * 1024, fileSystem: fileSystem,
            logger: Logger(label: "test"))
        let metadata = try MetadataStore(path: self.directory + "/metadata.sqlite")
        var configuration = BrokerConfiguration()
        configuration.queueMemoryBudgetBytes = Self.budget
        let broker = Broker(
            configuration: configuration, logger: Logger(label: "test"), queueStore: store, metadata: metadata,
            spillRoot: self.directory + "/spill")
        try broker.restoreDefinitions()
        return (broker, store)
    }

    static func body(_ index: Int) -> String {
        "message-" + String(format: "%06d", index) + "-" + String(repeating: "x", count: 80)
    }

    func publish(_ host: VirtualHost, _ index: Int, properties: MessageProperties = persistent) throws {
        _ = try host.publish(
            Message(exchange: "", routingKey: "q", properties: properties, body: ByteBuffer(string: Self.body(index))))
    }

    func declare(_ host: VirtualHost) throws {
        _ = try host.declareQueue(
            "q", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false,
            owner: ConnectionID(1))
    }

    func drain(_ host: VirtualHost) throws -> [(body: String, redelivered: Bool)] {
        var result: [(String, Bool)] = []
        while let got = try host.get(queue: "q", noAck: true, owner: ConnectionID(1)) {
            result.append((String(buffer: got.delivery.message.body), got.delivery.redelivered))
        }
        return result
    }

    @Test func recoveryRebuildsTheIndexAndTheDrainReadsAheadInLargeReads() throws {
        do {
            let (broker, store) = try self.open()
            let host = try #require(broker.virtualHost("/"))
            try self.declare(host)
            for index in 0..<5000 { try self.publish(host, index) }
            // A transient message of a durable queue is spilled, and gone after a restart.
            try self.publish(host, 99_999, properties: MessageProperties(deliveryMode: 1))
            let queue = try #require(host.queue(named: "q"))
            #expect(queue.pagedMessageCount > 4900)
            // Five acknowledged, five delivered and not acknowledged.
            var ids: [DeliveryID] = []
            for _ in 0..<10 {
                ids.append(try #require(try host.get(queue: "q", noAck: false, owner: ConnectionID(1))).delivery.id)
            }
            queue.ack(ids[0..<5])
            store.writeBuffered()
            try store.sync()
        }
        let fileSystem = FaultInjectingFileSystem()
        let (broker, _) = try self.open(fileSystem)
        let host = try #require(broker.virtualHost("/"))
        let queue = try #require(host.queue(named: "q"))
        #expect(queue.readyCount == 4995)
        // The index is rebuilt; only the window's bodies are in memory.
        #expect(queue.pagedMessageCount >= 4995 - Self.budget / Self.body(0).utf8.count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: self.directory + "/spill").isEmpty)
        fileSystem.logReads = 0
        let drained = try self.drain(host)
        #expect(drained.map(\.body) == (5..<5000).map(Self.body))
        #expect(drained.indices.filter { drained[$0].redelivered } == Array(0..<5))
        // About 500 KiB of log read back: a few dozen chunked reads, not one per message.
        #expect(fileSystem.logReads < 100, "log reads: \(fileSystem.logReads)")
    }

    @Test func aCrashWhilePagingLosesNoConfirmedMessage() throws {
        do {
            let (broker, store) = try self.open()
            let host = try #require(broker.virtualHost("/"))
            try self.declare(host)
            for index in 0..<1000 { try self.publish(host, index) }
            store.writeBuffered()
            try store.sync()  // confirmed
            let consumer = RecordingConsumer()
            let subscription = try host.consume(
                queue: "q", consumer: consumer, tag: "c", noAck: false, exclusive: false, prefetch: 300,
                sharedCredit: nil, arguments: [:], owner: ConnectionID(1))
            subscription.resume()
            // The 200 credits released go to messages 300..<500.
            host.queue(named: "q")?.ack(consumer.ids[0..<200])
            #expect(consumer.ids.count == 500)
            // Published while paging, written but never synced: a crash of the process keeps them.
            for index in 1000..<1500 { try self.publish(host, index) }
            store.writeBuffered()
        }
        let (broker, _) = try self.open()
        let host = try #require(broker.virtualHost("/"))
        let drained = try self.drain(host)
        #expect(drained.map(\.body) == (200..<1500).map(Self.body))
        let redelivered = drained.indices.filter { drained[$0].redelivered }
        #expect(redelivered == Array(0..<300), "redelivered: \(redelivered.count) from \(redelivered.first ?? -1)")
    }
}
