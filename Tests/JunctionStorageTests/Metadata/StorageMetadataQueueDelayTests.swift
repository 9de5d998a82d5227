import Testing

@testable import JunctionStorage

/// The queue-level delivery delay column: set on a stored queue, kept when the queue is declared
/// again, gone with the queue.
@Suite struct StorageMetadataQueueDelayTests {
    @Test func theDelayIsStoredKeptOnRedeclareAndGoesWithTheQueue() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            let store = try MetadataStore(path: path)
            try store.declareQueue(QueueRecord(virtualHost: "/", name: "q"))
            #expect(
                try store.write { try $0.setQueueDeliveryDelay(virtualHost: "/", name: "q", milliseconds: 900_000) })
            #expect(try !store.write { try $0.setQueueDeliveryDelay(virtualHost: "/", name: "none", milliseconds: 1) })
            try store.declareQueue(QueueRecord(virtualHost: "/", name: "q", arguments: [1]))
            #expect(try store.loadAll().queues.map(\.deliveryDelayMilliseconds) == [900_000])
            try store.write { _ = try $0.deleteQueue(virtualHost: "/", name: "q") }
            try store.declareQueue(QueueRecord(virtualHost: "/", name: "q"))
            #expect(try store.loadAll().queues.map(\.deliveryDelayMilliseconds) == [0])
        }
    }
}
