import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

/// A quorum queue's delivery counts on paged entries: recovery puts each message's count from the ack
/// records into its 32-byte index entry, so a message read back from the log after a restart is
/// delivered with its `x-delivery-count`, and the delivery limit dead-letters it, as in memory.
@Suite struct CorePagingQuorumCountTests {
    let directory = NSTemporaryDirectory() + "junction-paging-quorum-\(UUID().uuidString)"
    static let count = 300

    func open() throws -> (Broker, LogQueueStore, MetadataStore) {
        let store = try LogQueueStore(
            root: self.directory + "/queues", maxSegmentBytes: 64 * 1024, logger: Logger(label: "test"))
        let metadata = try MetadataStore(path: self.directory + "/metadata.sqlite")
        var configuration = BrokerConfiguration()
        configuration.queueMemoryBudgetBytes = 8192
        let broker = Broker(
            configuration: configuration, logger: Logger(label: "test"), queueStore: store, metadata: metadata,
            spillRoot: self.directory + "/spill")
        try broker.restoreDefinitions()
        return (broker, store, metadata)
    }

    static func body(_ index: Int) -> String {
        "job-" + String(format: "%04d", index) + "-" + String(repeating: "x", count: 100)
    }

    @Test func pagedMessagesKeepTheirDeliveryCountAcrossARestart() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        do {
            let (broker, store, metadata) = try self.open()
            let host = try #require(broker.virtualHost("/"))
            _ = try host.declareQueue(
                "dead", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false,
                owner: ConnectionID(1))
            _ = try host.declareQueue(
                "work", durable: true, exclusive: false, autoDelete: false,
                arguments: [
                    "x-queue-type": .string("quorum"), "x-delivery-limit": .int32(1),
                    "x-dead-letter-exchange": .string(""), "x-dead-letter-routing-key": .string("dead"),
                ], passive: false, owner: ConnectionID(1))
            for index in 0..<Self.count {
                _ = try host.publish(
                    Message(
                        exchange: "", routingKey: "work", properties: MessageProperties(deliveryMode: 2),
                        body: ByteBuffer(string: Self.body(index))))
            }
            // Every message delivered once and returned: each has a count of 1.
            var ids: [DeliveryID] = []
            while let got = try host.get(queue: "work", noAck: false, owner: ConnectionID(1)) {
                ids.append(got.delivery.id)
            }
            #expect(ids.count == Self.count)
            host.queue(named: "work")!.reject(ids, requeue: true)
            broker.durability.syncNow()
            store.close()
            try metadata.close()
        }
        let (broker, store, metadata) = try self.open()
        defer {
            store.close()
            try? metadata.close()
        }
        let host = try #require(broker.virtualHost("/"))
        let queue = try #require(host.queue(named: "work"))
        #expect(queue.pagedMessageCount > Self.count / 2, "the recovered queue is not paged")
        var bodies: [String] = []
        var counts: Set<Int64?> = []
        var ids: [DeliveryID] = []
        while let got = try host.get(queue: "work", noAck: false, owner: ConnectionID(1)) {
            bodies.append(String(buffer: got.delivery.message.body))
            counts.insert(got.delivery.returnCount)
            #expect(got.delivery.redelivered)
            ids.append(got.delivery.id)
        }
        #expect(bodies == (0..<Self.count).map(Self.body))
        #expect(counts == [1])
        // Past the limit of 1: every one of them, paged or not, is dead-lettered.
        queue.reject(ids, requeue: true)
        #expect(queue.readyCount == 0)
        #expect(host.queue(named: "dead")?.readyCount == Self.count)
    }
}
