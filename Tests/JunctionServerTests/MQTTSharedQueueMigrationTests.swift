import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionMQTT
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

@testable import JunctionServer

/// Issue 13, defect 4: shared-subscription queues of a data directory made under the legacy naming
/// (`mqtt-shared-<group>-<filter>`, written here directly) are renamed at start with their
/// messages and bindings.
@Suite struct MQTTSharedQueueMigrationTests {
    let directory = NSTemporaryDirectory() + "junction-share-migration-\(UUID().uuidString)"
    let owner = ConnectionID(1)

    private func open() throws -> (Broker, LogQueueStore, MetadataStore) {
        let store = try LogQueueStore(
            root: self.directory + "/queues", maxSegmentBytes: 1 << 20, logger: Logger(label: "test"))
        let metadata = try MetadataStore(path: self.directory + "/metadata.sqlite")
        return (Broker(logger: Logger(label: "test"), queueStore: store, metadata: metadata), store, metadata)
    }

    private func close(_ parts: (Broker, LogQueueStore, MetadataStore)) throws {
        parts.0.durability.syncNow()
        parts.1.close()
        try parts.2.close()
    }

    private func publish(_ host: VirtualHost, _ key: String, _ body: String) throws -> PublishOutcome {
        try host.publish(
            Message(
                exchange: "amq.topic", routingKey: key, properties: MessageProperties(deliveryMode: 2),
                body: ByteBuffer(string: body)))
    }

    /// The old scheme's data: `$share/g/sensors/temp` and the colliding `$share/a-b/c` +
    /// `$share/a/b-c`, which both got queue `mqtt-shared-a-b-c`.
    private func writeLegacyDataDirectory() throws {
        let old = try self.open()
        try old.0.restoreDefinitions()
        let host = try #require(old.0.virtualHost("/"))
        for (queue, keys) in [("mqtt-shared-g-sensors/temp", ["sensors.temp"]), ("mqtt-shared-a-b-c", ["c", "b-c"])] {
            _ = try host.declareQueue(
                queue, durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false,
                owner: self.owner)
            for key in keys {
                try host.bindQueue(queue, exchange: "amq.topic", routingKey: key, arguments: [:], owner: self.owner)
            }
        }
        for index in 0..<3 { _ = try self.publish(host, "sensors.temp", "t\(index)") }
        _ = try self.publish(host, "c", "for a-b")
        _ = try self.publish(host, "b-c", "for a")
        try self.close(old)
    }

    @Test func legacyQueuesAreRenamedWithTheirMessagesAndBindings() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        try self.writeLegacyDataDirectory()

        let parts = try self.open()
        let renames = try MQTTSharedQueueMigration.run(
            metadata: parts.2, queueStore: parts.1, exchange: "amq.topic", logger: Logger(label: "test"))
        #expect(
            Set(renames.map(\.to)) == [
                MQTTSharedQueueName.name(group: "g", filter: "sensors/temp"),
                MQTTSharedQueueName.name(group: "a", filter: "b-c"),
            ])
        try parts.0.restoreDefinitions()
        let host = try #require(parts.0.virtualHost("/"))
        #expect(host.queue(named: "mqtt-shared-g-sensors/temp") == nil)
        #expect(host.queue(named: "mqtt-shared-a-b-c") == nil)
        let sensors = try #require(host.queue(named: "mqtt-share/g/sensors/temp"))
        #expect(sensors.readyCount == 3)
        // The queue both colliding groups shared stays with the first pair by binding key ("b-c" < "c").
        let collided = try #require(host.queue(named: "mqtt-share/a/b-c"))
        #expect(collided.readyCount == 2)
        // Each renamed queue keeps only its own filter's binding.
        #expect(try self.publish(host, "sensors.temp", "new") == .routed(queueCount: 1))
        #expect(try self.publish(host, "b-c", "new") == .routed(queueCount: 1))
        #expect(try self.publish(host, "c", "new") == .unroutable)
        #expect(sensors.readyCount == 4 && collided.readyCount == 3)
        try self.close(parts)

        // A second start finds nothing to migrate and loses nothing.
        let again = try self.open()
        #expect(
            try MQTTSharedQueueMigration.run(
                metadata: again.2, queueStore: again.1, exchange: "amq.topic", logger: Logger(label: "test")
            ).isEmpty)
        try again.0.restoreDefinitions()
        #expect(again.0.virtualHost("/")?.queue(named: "mqtt-share/g/sensors/temp")?.readyCount == 4)
        try self.close(again)
    }

    @Test func namesNoLongerCollide() {
        #expect(
            MQTTSharedQueueName.name(group: "a-b", filter: "c") != MQTTSharedQueueName.name(group: "a", filter: "b-c"))
        #expect(
            MQTTSharedQueueName.legacyName(group: "a-b", filter: "c")
                == MQTTSharedQueueName.legacyName(group: "a", filter: "b-c"))
    }
}
