import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

/// `x-max-priority`: RabbitMQ's classic priority queue (higher first, FIFO within a priority).
@Suite struct CorePriorityQueueTests {
    let priority10: FieldTable = ["x-max-priority": .int32(10)]

    func publish(_ fixture: CoreFixture, _ body: String, priority: UInt8?, queue: String = "q") throws {
        try fixture.publish("", queue, body, properties: MessageProperties(deliveryMode: 2, priority: priority))
    }

    @Test func higherPrioritiesGoFirstAndEachPriorityIsFIFO() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: self.priority10)
        let sent: [(String, UInt8?)] = [
            ("none-1", nil), ("p5-1", 5), ("p1-1", 1), ("p5-2", 5), ("p10-1", 10), ("p200", 200), ("p0", 0),
            ("none-2", nil), ("p1-2", 1),
        ]
        for (body, priority) in sent { try self.publish(fixture, body, priority: priority) }
        // Absent counts as 0 and a priority above the maximum as the maximum (RabbitMQ's rules).
        #expect(try fixture.drain("q") == ["p10-1", "p200", "p5-1", "p5-2", "p1-1", "p1-2", "none-1", "p0", "none-2"])
    }

    @Test func aPlainQueueIgnoresPriorities() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.declareQueue("zero", arguments: ["x-max-priority": .int8(0)])
        for queue in ["q", "zero"] {
            try self.publish(fixture, "low", priority: 1, queue: queue)
            try self.publish(fixture, "high", priority: 9, queue: queue)
            #expect(try fixture.drain(queue) == ["low", "high"])
        }
    }

    @Test func consumersWithPrefetchReceiveByPriority() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: self.priority10)
        for index in 0..<3 { try self.publish(fixture, "low-\(index)", priority: 1) }
        for index in 0..<3 { try self.publish(fixture, "high-\(index)", priority: 8) }
        let consumer = RecordingConsumer()
        consumer.onDeliver = { delivery, _ in delivery.queue.ack([delivery.id]) }
        _ = try fixture.consume("q", consumer, prefetch: 1)
        #expect(consumer.bodies == ["high-0", "high-1", "high-2", "low-0", "low-1", "low-2"])
    }

    /// A requeued message goes back to the head of its own level, in delivery order, ahead of
    /// messages of its priority published after it and behind any higher one.
    @Test func requeuedMessagesGoBackToTheHeadOfTheirLevel() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: self.priority10)
        try self.publish(fixture, "a5", priority: 5)
        try self.publish(fixture, "b5", priority: 5)
        try self.publish(fixture, "c1", priority: 1)
        let (a, _) = try #require(try fixture.get("q"))
        let (b, _) = try #require(try fixture.get("q"))
        let (c, _) = try #require(try fixture.get("q"))
        try self.publish(fixture, "d5", priority: 5)
        try self.publish(fixture, "e1", priority: 1)
        try self.publish(fixture, "f9", priority: 9)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        queue.reject([c.id, b.id, a.id], requeue: true)
        let first = try #require(try fixture.get("q", noAck: true))
        #expect(String(buffer: first.delivery.message.body) == "f9" && !first.delivery.redelivered)
        let second = try #require(try fixture.get("q", noAck: true))
        #expect(String(buffer: second.delivery.message.body) == "a5" && second.delivery.redelivered)
        #expect(try fixture.drain("q") == ["b5", "d5", "c1", "e1"])
    }

    /// As RabbitMQ's documentation says: a length limit drops from the head of the queue, which in a
    /// priority queue is the highest priority's oldest message.
    @Test func maxLengthDropsTheHeadAndDeadLettersIt() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dead")
        var arguments = self.priority10
        arguments["x-max-length"] = .int32(2)
        arguments["x-dead-letter-exchange"] = .string("")
        arguments["x-dead-letter-routing-key"] = .string("dead")
        try fixture.declareQueue("q", arguments: arguments)
        try self.publish(fixture, "high", priority: 9)
        try self.publish(fixture, "low", priority: 1)
        try self.publish(fixture, "middle", priority: 5)
        #expect(try fixture.drain("dead") == ["high"])
        #expect(try fixture.drain("q") == ["middle", "low"])
    }

    @Test func rejectPublishRefusesAtTheLimitWhateverThePriority() throws {
        let fixture = CoreFixture()
        var arguments = self.priority10
        arguments["x-max-length"] = .int32(1)
        arguments["x-overflow"] = .string("reject-publish")
        try fixture.declareQueue("q", arguments: arguments)
        try self.publish(fixture, "low", priority: 1)
        #expect(try fixture.publish("", "q", "high", properties: .init(priority: 9)) == .routed(queueCount: 0))
        #expect(try fixture.drain("q") == ["low"])
    }

    /// An expired message of a low level is dead-lettered by the expiry timer even while live
    /// messages of a higher level are ahead of it.
    @Test func expiredMessagesOfEveryLevelAreDeadLettered() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dead")
        var arguments = self.priority10
        arguments["x-dead-letter-exchange"] = .string("")
        arguments["x-dead-letter-routing-key"] = .string("dead")
        try fixture.declareQueue("q", arguments: arguments)
        try self.publish(fixture, "high", priority: 9)
        var short = MessageProperties(priority: 1)
        short.expiration = "10"
        try fixture.publish("", "q", "low-short", properties: short)
        try self.publish(fixture, "low", priority: 1)
        fixture.clock.advance(byMilliseconds: 20)
        fixture.broker.expireMessages()
        #expect(try fixture.drain("dead") == ["low-short"])
        #expect(fixture.vhost.queue(named: "q")?.readyCount == 2)
        #expect(try fixture.drain("q") == ["high", "low"])
    }

    @Test func deadLetteredMessagesKeepTheirPriorityInAPriorityDeadLetterQueue() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dead", arguments: self.priority10)
        try fixture.declareQueue(
            "q", arguments: ["x-dead-letter-exchange": .string(""), "x-dead-letter-routing-key": .string("dead")])
        try self.publish(fixture, "low", priority: 2)
        try self.publish(fixture, "high", priority: 7)
        for _ in 0..<2 {
            let (delivery, _) = try #require(try fixture.get("q"))
            fixture.vhost.queue(named: "q")!.reject([delivery.id], requeue: false)
        }
        #expect(try fixture.drain("dead") == ["high", "low"])
    }

    @Test func purgeEmptiesEveryLevel() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", durable: true, arguments: self.priority10)
        for priority: UInt8 in [0, 3, 10, 3] { try self.publish(fixture, "m", priority: priority) }
        #expect(try fixture.vhost.purgeQueue("q", owner: CoreFixture.owner) == 4)
        #expect(fixture.store.count(queue: QueueStoreKey(virtualHost: "/", queue: "q")) == 0)
        try self.publish(fixture, "after", priority: 1)
        #expect(try fixture.drain("q") == ["after"])
    }

    @Test func badValuesAndOtherQueueTypesAreRefused() throws {
        let fixture = CoreFixture()
        #expect(
            throws: BrokerError.preconditionFailed(
                "invalid arg 'x-max-priority' for queue 'q': int32(256) (an integer from 0 to 255)")
        ) {
            try fixture.declareQueue("q", arguments: ["x-max-priority": .int32(256)])
        }
        for value: FieldValue in [.int32(-1), .string("10"), .double(2.5), .boolean(true)] {
            #expect(throws: BrokerError.self) {
                try fixture.declareQueue("q", arguments: ["x-max-priority": value])
            }
        }
        #expect(
            throws: BrokerError.preconditionFailed(
                "invalid arg 'x-max-priority' for queue 'quorum': not supported by quorum queues")
        ) {
            try fixture.declareQueue(
                "quorum", durable: true,
                arguments: ["x-queue-type": .string("quorum"), "x-max-priority": .int32(10)])
        }
        #expect(throws: BrokerError.self) {
            try fixture.declareQueue(
                "stream", durable: true,
                arguments: ["x-queue-type": .string("stream"), "x-max-priority": .int32(10)])
        }
        try fixture.declareQueue("q", arguments: ["x-max-priority": .uint8(255)])
        // A redeclaration must name the same maximum (integer width does not matter).
        try fixture.declareQueue("q", arguments: ["x-max-priority": .int64(255)])
        #expect(throws: BrokerError.self) {
            try fixture.declareQueue("q", arguments: ["x-max-priority": .int32(10)])
        }
        #expect(throws: BrokerError.self) {
            try fixture.declareQueue("q")
        }
    }

    /// Through the real durable store (segment logs and ack records), closed and reopened: the
    /// messages left come back in the same order by priority, a requeued one included.
    @Test func theOrderByPrioritySurvivesARestart() throws {
        let directory = NSTemporaryDirectory() + "junction-priority-\(UUID().uuidString)"
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
        let sent: [(String, UInt8?)] = [
            ("n1", nil), ("p3-1", 3), ("p9-1", 9), ("p3-2", 3), ("n2", nil), ("p9-2", 9), ("p3-3", 3),
        ]
        let first = try makeBroker()
        let host = try #require(first.0.virtualHost("/"))
        _ = try host.declareQueue(
            "q", durable: true, exclusive: false, autoDelete: false, arguments: self.priority10, passive: false,
            owner: ConnectionID(1))
        for (body, priority) in sent {
            _ = try host.publish(
                Message(
                    exchange: "", routingKey: "q", properties: MessageProperties(deliveryMode: 2, priority: priority),
                    body: ByteBuffer(string: body)))
        }
        // Taken and returned: p9-1 and p3-1 are back at the heads of their levels; p9-2 is acked.
        let queue = try #require(host.queue(named: "q"))
        let (p91, _) = try #require(try host.get(queue: "q", noAck: false, owner: ConnectionID(1)))
        let (p92, _) = try #require(try host.get(queue: "q", noAck: false, owner: ConnectionID(1)))
        let (p31, _) = try #require(try host.get(queue: "q", noAck: false, owner: ConnectionID(1)))
        queue.ack([p92.id])
        queue.reject([p31.id, p91.id], requeue: true)
        let expected = ["p9-1", "p3-1", "p3-2", "p3-3", "n1", "n2"]
        first.0.durability.syncNow()
        first.1.close()
        try first.2.close()

        let second = try makeBroker()
        let restored = try #require(second.0.virtualHost("/"))
        #expect(restored.queue(named: "q")?.readyCount == expected.count)
        var bodies: [String] = []
        var redelivered: Set<String> = []
        while let (delivery, _) = try restored.get(queue: "q", noAck: true, owner: ConnectionID(1)) {
            bodies.append(String(buffer: delivery.message.body))
            if delivery.redelivered { redelivered.insert(bodies.last!) }
        }
        #expect(bodies == expected)
        // The store's delivered mark is a high-water mark of sequences: what was published before a
        // delivered message also comes back flagged (AMQP's "may have been delivered"), never less.
        #expect(Set(["p9-1", "p3-1"]).isSubset(of: redelivered))
        #expect(!redelivered.contains("p3-3"))
        second.1.close()
        try second.2.close()
    }
}
