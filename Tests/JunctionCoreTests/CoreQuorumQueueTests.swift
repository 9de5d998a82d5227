import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

/// `x-queue-type: quorum` on one node: durability rules, delivery limits, `x-delivery-count`.
@Suite struct CoreQuorumQueueTests {
    let quorum: FieldTable = ["x-queue-type": .string("quorum")]

    @Test func quorumQueuesMustBeDurableSharedAndKept() throws {
        let fixture = CoreFixture()
        #expect(throws: BrokerError.preconditionFailed("invalid property 'non-durable' for queue 'q' in vhost '/'")) {
            try fixture.declareQueue("q", arguments: self.quorum)
        }
        #expect(throws: BrokerError.preconditionFailed("invalid property 'exclusive-owner' for queue 'q' in vhost '/'"))
        {
            try fixture.declareQueue("q", durable: true, exclusive: true, arguments: self.quorum)
        }
        #expect(throws: BrokerError.preconditionFailed("invalid property 'auto-delete' for queue 'q' in vhost '/'")) {
            try fixture.declareQueue("q", durable: true, autoDelete: true, arguments: self.quorum)
        }
        try fixture.declareQueue("q", durable: true, arguments: self.quorum)
        #expect(fixture.vhost.queue(named: "q")?.isQuorum == true)
    }

    /// Limit 2: delivered three times (two returns allowed), the third return dead-letters it.
    @Test func theDeliveryLimitDeadLettersWithReasonDeliveryLimit() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dead")
        var arguments = self.quorum
        arguments["x-delivery-limit"] = .int32(2)
        arguments["x-dead-letter-exchange"] = .string("")
        arguments["x-dead-letter-routing-key"] = .string("dead")
        try fixture.declareQueue("work", durable: true, arguments: arguments)
        try fixture.publish("", "work", "job")
        let consumer = RecordingConsumer()
        let subscription = try fixture.consume("work", consumer)
        for _ in 0..<3 {
            let delivery = try #require(consumer.deliveries.last)
            fixture.vhost.queue(named: "work")!.reject([delivery.id], requeue: true)
        }
        #expect(consumer.deliveries.map(\.returnCount) == [nil, 1, 2])
        #expect(
            consumer.deliveries.map { $0.propertiesWithDeliveryCount?.headers?["x-delivery-count"] } == [
                nil, .int64(1), .int64(2),
            ])
        subscription.cancel()
        let (dead, _) = try #require(try fixture.get("dead", noAck: true))
        #expect(dead.message.properties.headers?["x-first-death-reason"] == .string("delivery_limit"))
        #expect(fixture.vhost.queue(named: "work")?.readyCount == 0)
    }

    @Test func withoutADeadLetterExchangeTheMessageIsDropped() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("work", durable: true, arguments: self.quorum)
        try fixture.vhost.setPolicy(
            try Policy(
                kind: .user, name: "limit", pattern: "^work$", applyTo: .quorumQueues, priority: 0,
                definition: PolicyDefinition([("delivery-limit", .int64(0))], operatorPolicy: false)))
        try fixture.publish("", "work", "job")
        let (delivery, _) = try #require(try fixture.get("work"))
        fixture.vhost.queue(named: "work")!.reject([delivery.id], requeue: true)
        #expect(fixture.vhost.queue(named: "work")?.readyCount == 0)
    }

    @Test func classicQueuesHaveNoDeliveryCountHeaderOrLimit() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("classic")
        #expect(throws: BrokerError.self) {
            try fixture.declareQueue("limited", arguments: ["x-delivery-limit": .int32(1)])
        }
        try fixture.publish("", "classic", "job")
        for _ in 0..<3 {
            let (delivery, _) = try #require(try fixture.get("classic"))
            #expect(delivery.returnCount == nil)
            fixture.vhost.queue(named: "classic")!.reject([delivery.id], requeue: true)
        }
    }

    @Test func aQuorumQueueAndItsMessagesSurviveARestart() throws {
        let directory = NSTemporaryDirectory() + "junction-quorum-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func makeBroker() throws -> (Broker, LogQueueStore, MetadataStore) {
            let store = try LogQueueStore(
                root: directory + "/queues", maxSegmentBytes: 1 << 20, logger: Logger(label: "test"))
            let metadata = try MetadataStore(path: directory + "/metadata.sqlite")
            let broker = Broker(logger: Logger(label: "test"), queueStore: store, metadata: metadata)
            try broker.restoreDefinitions()
            return (broker, store, metadata)
        }
        let first = try makeBroker()
        var arguments = self.quorum
        arguments["x-delivery-limit"] = .int32(5)
        _ = try first.0.virtualHost("/")!.declareQueue(
            "q", durable: true, exclusive: false, autoDelete: false, arguments: arguments, passive: false,
            owner: ConnectionID(1))
        _ = try first.0.virtualHost("/")!.publish(
            Message(
                exchange: "", routingKey: "q", properties: MessageProperties(deliveryMode: 2),
                body: ByteBuffer(string: "kept")))
        first.0.durability.syncNow()
        first.1.close()
        try first.2.close()

        let second = try makeBroker()
        let queue = try #require(second.0.virtualHost("/")?.queue(named: "q"))
        #expect(queue.isQuorum && queue.readyCount == 1)
        #expect(queue.arguments["x-delivery-limit"] == .int32(5))
        second.1.close()
        try second.2.close()
    }
}
