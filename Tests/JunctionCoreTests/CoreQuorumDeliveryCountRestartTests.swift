import Foundation
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

@testable import JunctionCore

/// A quorum queue's delivery count (`x-delivery-count`, `x-delivery-limit`) goes on across restarts,
/// through the real durable store (ack records) and through the in-memory one.
@Suite struct CoreQuorumDeliveryCountRestartTests {
    final class Restartable {
        let directory = NSTemporaryDirectory() + "junction-delivery-count-\(UUID().uuidString)"
        var store: LogQueueStore?
        var metadata: MetadataStore?

        init() throws {
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(atPath: self.directory) }

        /// Closes the previous broker's files (after a sync: what a clean stop or the next group
        /// commit would have written) and opens a new broker on the same directory.
        func start() throws -> VirtualHost {
            self.store?.close()
            try self.metadata?.close()
            let store = try LogQueueStore(
                root: self.directory + "/queues", maxSegmentBytes: 1 << 20, logger: Logger(label: "test"))
            let metadata = try MetadataStore(path: self.directory + "/metadata.sqlite")
            let broker = Broker(logger: Logger(label: "test"), queueStore: store, metadata: metadata)
            try broker.restoreDefinitions()
            self.store = store
            self.metadata = metadata
            self.broker = broker
            return broker.virtualHost("/")!
        }

        var broker: Broker?

        func stop() throws {
            self.broker?.durability.syncNow()
            self.store?.close()
            try self.metadata?.close()
            self.store = nil
            self.metadata = nil
        }
    }

    func declare(_ host: VirtualHost, limit: Int32) throws {
        _ = try host.declareQueue(
            "dead", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false,
            owner: ConnectionID(1))
        _ = try host.declareQueue(
            "work", durable: true, exclusive: false, autoDelete: false,
            arguments: [
                "x-queue-type": .string("quorum"), "x-delivery-limit": .int32(limit),
                "x-dead-letter-exchange": .string(""), "x-dead-letter-routing-key": .string("dead"),
            ], passive: false, owner: ConnectionID(1))
    }

    func get(_ host: VirtualHost, _ queue: String = "work") throws -> Delivery? {
        try host.get(queue: queue, noAck: false, owner: ConnectionID(1))?.delivery
    }

    /// Two returns, then a delivery left unacknowledged at the stop: after the restart the message
    /// has been returned three times; with a limit of 3 the next return dead-letters it.
    @Test func theCountAndTheLimitGoOnAfterARestart() throws {
        let broker = try Restartable()
        var host = try broker.start()
        try self.declare(host, limit: 3)
        _ = try host.publish(
            Message(
                exchange: "", routingKey: "work", properties: MessageProperties(deliveryMode: 2),
                body: ByteBuffer(string: "job")))
        for expected: Int64? in [nil, 1] {
            let delivery = try #require(try self.get(host))
            #expect(delivery.returnCount == expected)
            host.queue(named: "work")!.reject([delivery.id], requeue: true)
        }
        let held = try #require(try self.get(host))
        #expect(held.returnCount == 2)
        try broker.stop()

        host = try broker.start()
        let again = try #require(try self.get(host))
        #expect(again.redelivered)
        #expect(again.returnCount == 3)
        #expect(again.propertiesWithDeliveryCount?.headers?["x-delivery-count"] == .int64(3))
        // Restarted once more with the message held: the count is kept through a second recovery
        // (the first one's checkpoint carried it).
        try broker.stop()
        host = try broker.start()
        let third = try #require(try self.get(host))
        #expect(third.returnCount == 4)
        host.queue(named: "work")!.reject([third.id], requeue: true)
        #expect(host.queue(named: "work")?.readyCount == 0)
        let dead = try #require(try host.get(queue: "dead", noAck: true, owner: ConnectionID(1)))
        #expect(dead.delivery.message.properties.headers?["x-first-death-reason"] == .string("delivery_limit"))
        try broker.stop()
    }

    @Test func anAcknowledgedMessageLeavesNoCountBehind() throws {
        let broker = try Restartable()
        var host = try broker.start()
        try self.declare(host, limit: 10)
        for body in ["a", "b"] {
            _ = try host.publish(
                Message(
                    exchange: "", routingKey: "work", properties: MessageProperties(deliveryMode: 2),
                    body: ByteBuffer(string: body)))
        }
        let first = try #require(try self.get(host))
        host.queue(named: "work")!.ack([first.id])
        try broker.stop()
        host = try broker.start()
        let second = try #require(try self.get(host))
        #expect(String(buffer: second.message.body) == "b")
        #expect(second.returnCount == nil && !second.redelivered)
        try broker.stop()
    }

    @Test func theInMemoryStoreKeepsTheCountForARebuiltBroker() throws {
        let store = InMemoryQueueStore()
        let quorum: FieldTable = ["x-queue-type": .string("quorum")]
        do {
            let before = CoreFixture(store: store)
            try before.declareQueue("work", durable: true, arguments: quorum)
            try before.publish("", "work", "job", properties: MessageProperties(deliveryMode: 2))
            let (delivery, _) = try #require(try before.get("work"))
            before.vhost.queue(named: "work")!.reject([delivery.id], requeue: true)
            _ = try #require(try before.get("work"))
        }
        let after = CoreFixture(store: store)
        try after.declareQueue("work", durable: true, arguments: quorum)
        let (delivery, _) = try #require(try after.get("work"))
        #expect(delivery.returnCount == 2)
    }

    @Test func ackRecordsOfBothVersionsRoundTrip() throws {
        let plain = QueueAckRecord(watermark: 5, deliveredThrough: 9, settled: [6, 8])
        let plainBytes = plain.encode()
        #expect(plainBytes.getInteger(at: 0, as: UInt8.self) == 1)
        #expect(plainBytes.readableBytes == 21 + 16)
        #expect(QueueAckRecord(decoding: plainBytes) == plain)
        let counted = QueueAckRecord(
            watermark: 5, deliveredThrough: 9, settled: [6],
            deliveryCounts: [.init(sequence: 7, deliveries: 3), .init(sequence: 8, deliveries: 1)])
        var countedBytes = counted.encode()
        #expect(countedBytes.getInteger(at: 0, as: UInt8.self) == 2)
        #expect(QueueAckRecord(decoding: countedBytes) == counted)
        countedBytes.moveWriterIndex(to: countedBytes.writerIndex - 1)
        #expect(QueueAckRecord(decoding: countedBytes) == nil)
    }
}
