import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

/// Issue 13, defect 3: a durable queue whose log cannot be opened at start-up is failed, never
/// emptied: its files are kept, everything but delete is refused; set-aside segments are reported.
@Suite struct CoreFailedQueueTests {
    let directory: String
    let owner = ConnectionID(1)

    init() throws {
        self.directory = NSTemporaryDirectory() + "junction-failed-queue-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
    }

    private func start(maxSegmentBytes: Int = 1 << 20) throws -> (Broker, LogQueueStore, MetadataStore) {
        let store = try LogQueueStore(
            root: self.directory + "/queues", maxSegmentBytes: maxSegmentBytes, logger: Logger(label: "test"))
        let metadata = try MetadataStore(path: self.directory + "/metadata.sqlite")
        let broker = Broker(
            logger: Logger(label: "test"), queueStore: store, metadata: metadata,
            streamRoot: self.directory + "/streams")
        try broker.restoreDefinitions()
        return (broker, store, metadata)
    }

    private func stop(_ parts: (Broker, LogQueueStore, MetadataStore)) throws {
        parts.0.durability.syncNow()
        parts.0.closeStreams()
        parts.1.close()
        try parts.2.close()
    }

    private var messagesDirectory: String { self.directory + "/queues/%2F/q/messages" }
    private var firstSegment: String { self.messagesDirectory + "/00000000000000000000.log" }

    private func persistent(_ text: String) -> Message {
        Message(
            exchange: "orders", routingKey: "order.created", properties: MessageProperties(deliveryMode: 2),
            body: ByteBuffer(string: text))
    }

    /// Queues `q` and `ok` bound to topic exchange `orders`, with `count` persistent messages each.
    private func populate(count: Int, maxSegmentBytes: Int = 1 << 20) throws {
        let first = try self.start(maxSegmentBytes: maxSegmentBytes)
        let host = try #require(first.0.virtualHost("/"))
        try host.declareExchange(
            "orders", type: "topic", durable: true, autoDelete: false, internal: false, arguments: [:], passive: false)
        for name in ["q", "ok"] {
            _ = try host.declareQueue(
                name, durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false,
                owner: self.owner)
            try host.bindQueue(name, exchange: "orders", routingKey: "order.*", arguments: [:], owner: self.owner)
        }
        for index in 0..<count { _ = try host.publish(self.persistent("m\(index)")) }
        try self.stop(first)
    }

    /// Makes the first segment of `q` unopenable (a directory where its file was); returns the file's bytes.
    private func breakQueueLog() throws -> Data {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: self.firstSegment))
        try FileManager.default.moveItem(atPath: self.firstSegment, toPath: self.firstSegment + ".saved")
        try FileManager.default.createDirectory(atPath: self.firstSegment, withIntermediateDirectories: false)
        return bytes
    }

    private func repairQueueLog() throws {
        try FileManager.default.removeItem(atPath: self.firstSegment)
        try FileManager.default.moveItem(atPath: self.firstSegment + ".saved", toPath: self.firstSegment)
    }

    @Test func aQueueWhoseLogCannotBeOpenedIsFailedKeepsItsFilesAndRefusesEverything() throws {
        try self.populate(count: 3)
        let saved = try self.breakQueueLog()
        let listing = try FileManager.default.contentsOfDirectory(atPath: self.messagesDirectory).sorted()

        let second = try self.start()
        let host = try #require(second.0.virtualHost("/"))
        let queue = try #require(host.queue(named: "q"))
        #expect(queue.isFailed)
        #expect(queue.storageProblems?.openFailure != nil)
        #expect(host.queue(named: "ok")?.isFailed == false)
        #expect(host.queue(named: "ok")?.readyCount == 3)
        let refusals: [(String, () throws(BrokerError) -> Void)] = [
            (
                "declare",
                { () throws(BrokerError) in
                    _ = try host.declareQueue(
                        "q", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false,
                        owner: self.owner)
                }
            ),
            (
                "passive declare",
                { () throws(BrokerError) in
                    _ = try host.declareQueue(
                        "q", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: true,
                        owner: self.owner)
                }
            ),
            ("get", { () throws(BrokerError) in _ = try host.get(queue: "q", noAck: true, owner: self.owner) }),
            ("purge", { () throws(BrokerError) in _ = try host.purgeQueue("q", owner: self.owner) }),
            (
                "bind",
                { () throws(BrokerError) in
                    try host.bindQueue("q", exchange: "amq.topic", routingKey: "#", arguments: [:], owner: self.owner)
                }
            ),
            (
                "consume",
                { () throws(BrokerError) in
                    _ = try host.consume(
                        queue: "q", consumer: RecordingConsumer(), tag: "c", noAck: false, exclusive: false,
                        prefetch: 1, sharedCredit: nil, arguments: [:], owner: self.owner)
                }
            ),
        ]
        for (operation, attempt) in refusals {
            do throws(BrokerError) {
                try attempt()
                Issue.record("\(operation) of a failed queue was accepted")
            } catch {
                #expect(error.kind == .preconditionFailed, "\(operation)")
                #expect(error.detail.contains("is failed"), "\(operation)")
            }
        }
        // Its binding was restored: the route reaches it and it refuses the message.
        #expect(try host.publish(self.persistent("new")) == .routed(queueCount: 1))
        try self.stop(second)
        // Nothing was written over it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: self.messagesDirectory).sorted() == listing)
        #expect(try Data(contentsOf: URL(fileURLWithPath: self.firstSegment + ".saved")) == saved)

        // Repaired (the file put back), the queue comes back with its messages.
        try self.repairQueueLog()
        let third = try self.start()
        let repaired = try #require(third.0.virtualHost("/")?.queue(named: "q"))
        #expect(!repaired.isFailed)
        #expect(repaired.readyCount == 3)
        try self.stop(third)
    }

    @Test func aFailedQueueCanBeDeletedWithItsFiles() throws {
        try self.populate(count: 2)
        _ = try self.breakQueueLog()
        let second = try self.start()
        let host = try #require(second.0.virtualHost("/"))
        #expect(host.queue(named: "q")?.isFailed == true)
        #expect(try host.deleteQueue("q", ifUnused: false, ifEmpty: false, owner: self.owner) == 0)
        #expect(host.queue(named: "q") == nil)
        #expect(!FileManager.default.fileExists(atPath: self.directory + "/queues/%2F/q"))
        try self.stop(second)
        let third = try self.start()
        #expect(third.0.virtualHost("/")?.queue(named: "q") == nil)
        try self.stop(third)
    }

    @Test func segmentsSetAsideAreReportedWithWhatTheyHeld() throws {
        try self.populate(count: 12, maxSegmentBytes: 200)
        let segments = try FileManager.default.contentsOfDirectory(atPath: self.messagesDirectory)
            .filter { $0.hasSuffix(".log") }.sorted()
        #expect(segments.count >= 3)
        // A flipped byte in a middle segment whose index is gone: recovery scans it and sets it aside.
        let middle = self.messagesDirectory + "/" + segments[1]
        var bytes = try Data(contentsOf: URL(fileURLWithPath: middle))
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: middle))
        try FileManager.default.removeItem(atPath: middle.replacingOccurrences(of: ".log", with: ".index"))

        let second = try self.start(maxSegmentBytes: 200)
        let queue = try #require(second.0.virtualHost("/")?.queue(named: "q"))
        #expect(!queue.isFailed)
        let problems = try #require(queue.storageProblems)
        #expect(problems.lostSegments.count == 1)
        #expect(problems.lostSegments.first?.contains(segments[1] + ".corrupt") == true)
        #expect(problems.lostBytes == Int64(bytes.count))
        #expect(queue.readyCount < 12 && queue.readyCount > 0)
        try self.stop(second)
    }

    @Test func aStreamWhoseLogCannotBeOpenedIsFailedKeepsItsFilesAndCanBeDropped() throws {
        let first = try self.start()
        let host = try #require(first.0.virtualHost("/"))
        _ = try host.declareQueue(
            "events", durable: true, exclusive: false, autoDelete: false,
            arguments: ["x-queue-type": .string("stream")], passive: false, owner: self.owner)
        let event = Message(exchange: "", routingKey: "events", body: ByteBuffer(string: "e"))
        for _ in 0..<3 { _ = try host.publish(event) }
        try self.stop(first)
        let streamDirectory = self.directory + "/streams/%2F/events"
        let segment = streamDirectory + "/00000000000000000000.log"
        try FileManager.default.moveItem(atPath: segment, toPath: segment + ".saved")
        try FileManager.default.createDirectory(atPath: segment, withIntermediateDirectories: false)

        let second = try self.start()
        let restored = try #require(second.0.virtualHost("/"))
        let queue = try #require(restored.queue(named: "events"))
        #expect(queue.isFailed && queue.isStream)
        #expect(queue.storageProblems?.openFailure != nil)
        do throws(BrokerError) {
            _ = try restored.consumeStream(
                "events", consumer: StreamRecordingConsumer(), tag: "c", noAck: false, prefetch: 10, arguments: [:],
                owner: self.owner)
            Issue.record("consuming a failed stream was accepted")
        } catch {
            #expect(error.detail.contains("is failed"))
        }
        #expect(try restored.publish(event) == .routed(queueCount: 0))
        #expect(FileManager.default.fileExists(atPath: segment + ".saved"))
        #expect(try restored.deleteQueue("events", ifUnused: false, ifEmpty: false, owner: self.owner) == 0)
        #expect(!FileManager.default.fileExists(atPath: streamDirectory))
        try self.stop(second)
    }
}
