import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

/// Durable definitions and messages across a "restart": a new Broker on the same stores.
@Suite struct CoreDurableDefinitionsTests {
    let directory: String

    init() throws {
        self.directory = NSTemporaryDirectory() + "junction-core-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
    }

    func makeBroker() throws -> (Broker, LogQueueStore, MetadataStore) {
        let store = try LogQueueStore(
            root: self.directory + "/queues", maxSegmentBytes: 1 << 20, logger: Logger(label: "test"))
        let metadata = try MetadataStore(path: self.directory + "/metadata.sqlite")
        let broker = Broker(logger: Logger(label: "test"), queueStore: store, metadata: metadata)
        try broker.restoreDefinitions()
        return (broker, store, metadata)
    }

    func close(_ parts: (Broker, LogQueueStore, MetadataStore)) throws {
        parts.0.durability.syncNow()
        parts.1.close()
        try parts.2.close()
    }

    func persistent(_ text: String) -> Message {
        Message(
            exchange: "orders", routingKey: "order.created", properties: MessageProperties(deliveryMode: 2),
            body: ByteBuffer(string: text))
    }

    @Test func durableTopologyAndMessagesSurviveTransientOnesDoNot() throws {
        let first = try self.makeBroker()
        let host = first.0.virtualHost("/")!
        let owner = ConnectionID(1)
        try host.declareExchange(
            "orders", type: "topic", durable: true, autoDelete: false, internal: false, arguments: [:], passive: false)
        _ = try host.declareQueue(
            "durable-q", durable: true, exclusive: false, autoDelete: false,
            arguments: ["x-message-ttl": .int32(60_000)], passive: false, owner: owner)
        _ = try host.declareQueue(
            "transient-q", durable: false, exclusive: false, autoDelete: false, arguments: [:], passive: false,
            owner: owner)
        try host.bindQueue("durable-q", exchange: "orders", routingKey: "order.*", arguments: [:], owner: owner)
        try host.bindQueue("transient-q", exchange: "orders", routingKey: "order.*", arguments: [:], owner: owner)
        #expect(try host.publish(self.persistent("kept")) == .routed(queueCount: 2))
        var transient = self.persistent("lost")
        transient.properties.deliveryMode = 1
        _ = try host.publish(transient)
        try self.close(first)

        let second = try self.makeBroker()
        let restored = second.0.virtualHost("/")!
        #expect(restored.exchange(named: "orders")?.durable == true)
        #expect(restored.queue(named: "transient-q") == nil)
        let queue = try #require(restored.queue(named: "durable-q"))
        #expect(queue.arguments["x-message-ttl"] == .int32(60_000))
        #expect(queue.readyCount == 1)
        let (delivery, _) = try #require(try restored.get(queue: "durable-q", noAck: true, owner: owner))
        #expect(String(buffer: delivery.message.body) == "kept")
        #expect(delivery.redelivered == false)
        // The binding came back: a new publish is routed to the queue.
        #expect(try restored.publish(self.persistent("again")) == .routed(queueCount: 1))
        try self.close(second)
    }

    @Test func deliveredButUnackedComesBackRedeliveredAndAckedDoesNot() throws {
        let first = try self.makeBroker()
        let host = first.0.virtualHost("/")!
        let owner = ConnectionID(1)
        _ = try host.declareQueue(
            "q", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false, owner: owner)
        for index in 0..<3 {
            _ = try host.publish(
                Message(
                    exchange: "", routingKey: "q", properties: MessageProperties(deliveryMode: 2),
                    body: ByteBuffer(string: "m\(index)")))
        }
        let (acked, _) = try #require(try host.get(queue: "q", noAck: false, owner: owner))
        acked.queue.ack([acked.id])
        _ = try #require(try host.get(queue: "q", noAck: false, owner: owner))  // delivered, never acked
        try self.close(first)

        let second = try self.makeBroker()
        let restored = second.0.virtualHost("/")!
        let first2 = try #require(try restored.get(queue: "q", noAck: true, owner: owner))
        let second2 = try #require(try restored.get(queue: "q", noAck: true, owner: owner))
        #expect(try restored.get(queue: "q", noAck: true, owner: owner) == nil)
        #expect(String(buffer: first2.delivery.message.body) == "m1")
        #expect(first2.delivery.redelivered == true)
        #expect(String(buffer: second2.delivery.message.body) == "m2")
        #expect(second2.delivery.redelivered == false)
        try self.close(second)
    }

    @Test func confirmsWaitForTheGroupCommit() throws {
        let parts = try self.makeBroker()
        let host = parts.0.virtualHost("/")!
        _ = try host.declareQueue(
            "q", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false,
            owner: ConnectionID(1))
        let before = host.durability.currentTicket
        _ = try host.publish(
            Message(
                exchange: "", routingKey: "q", properties: MessageProperties(deliveryMode: 2),
                body: ByteBuffer(string: "x")))
        let ticket = host.durability.currentTicket
        #expect(ticket == before + 1)
        #expect(!host.durability.isDurable(ticket))
        host.durability.groupCommitTimerFired()
        #expect(host.durability.isDurable(ticket))
        // A transient message in the same queue takes no ticket.
        _ = try host.publish(Message(exchange: "", routingKey: "q", body: ByteBuffer(string: "t")))
        #expect(host.durability.currentTicket == ticket)
        try self.close(parts)
    }

    @Test func deletingAVirtualHostRemovesItsDefinitionsAndMessages() throws {
        let first = try self.makeBroker()
        let host = first.0.addVirtualHost("tenant")
        _ = try host.declareQueue(
            "q", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false,
            owner: ConnectionID(1))
        _ = try host.publish(
            Message(
                exchange: "", routingKey: "q", properties: MessageProperties(deliveryMode: 2),
                body: ByteBuffer(string: "x")))
        #expect(throws: BrokerError.self) { try first.0.deleteVirtualHost("/") }
        try first.0.deleteVirtualHost("tenant")
        #expect(first.0.virtualHost("tenant") == nil)
        try self.close(first)
        let second = try self.makeBroker()
        #expect(second.0.virtualHost("tenant") == nil)
        #expect(!FileManager.default.fileExists(atPath: self.directory + "/queues/tenant/q"))
        try self.close(second)
    }
}
