import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

/// Queue-level and per-message delays (the engine side of SQS `DelaySeconds`), on a manual clock.
@Suite struct CoreQueueDelayTests {
    let fixture = CoreFixture()
    var host: VirtualHost { self.fixture.vhost }
    var trusted: AccessContext { AccessContext.trusted(virtualHost: "/") }

    func send(
        _ body: String, to queue: String = "q", delay: UInt64? = nil, persistent: Bool = false
    ) throws
        -> PublishOutcome
    {
        let message = Message(
            exchange: "", routingKey: queue, properties: MessageProperties(deliveryMode: persistent ? 2 : 1),
            body: ByteBuffer(string: body))
        if let delay { return try self.host.publish(message, delayMilliseconds: delay, access: self.trusted) }
        return try self.host.publish(message)
    }

    func fire(after milliseconds: UInt64) {
        self.fixture.clock.advance(byMilliseconds: milliseconds)
        self.fixture.broker.fireDueDelayedMessages()
    }

    @Test func aQueueDelayHoldsEveryMessageAndCountsIt() throws {
        try self.fixture.declareQueue("q")
        try self.host.setQueueDeliveryDelay("q", milliseconds: 1000, owner: CoreFixture.owner, access: self.trusted)
        #expect(self.host.queueDeliveryDelay("q") == 1000)
        #expect(try self.send("a") == .routed(queueCount: 1))
        self.fixture.clock.advance(byMilliseconds: 400)
        #expect(try self.send("b") == .routed(queueCount: 1))
        #expect(self.host.queue(named: "q")?.readyCount == 0)
        #expect(self.host.delayedMessageCount(queue: "q") == 2)
        self.fire(after: 599)
        #expect(try self.fixture.drain("q") == [])
        self.fire(after: 1)
        #expect(try self.fixture.drain("q") == ["a"])
        #expect(self.host.delayedMessageCount(queue: "q") == 1)
        self.fire(after: 400)
        #expect(try self.fixture.drain("q") == ["b"])
        #expect(self.host.delayedMessageCount(queue: "q") == 0)
        // 0 removes the delay.
        try self.host.setQueueDeliveryDelay("q", milliseconds: 0, owner: CoreFixture.owner, access: self.trusted)
        _ = try self.send("now")
        #expect(try self.fixture.drain("q") == ["now"])
    }

    @Test func aMessageDelayReplacesTheQueueDelayAndZeroMeansAtOnce() throws {
        try self.fixture.declareQueue("q")
        try self.host.setQueueDeliveryDelay("q", milliseconds: 1000, owner: CoreFixture.owner, access: self.trusted)
        _ = try self.send("queue-delay")
        _ = try self.send("short", delay: 200)
        #expect(try self.send("zero", delay: 0) == .routed(queueCount: 1))
        #expect(try self.fixture.drain("q") == ["zero"])
        self.fire(after: 200)
        #expect(try self.fixture.drain("q") == ["short"])
        self.fire(after: 800)
        #expect(try self.fixture.drain("q") == ["queue-delay"])
        // Without a queue delay: the message's own.
        try self.fixture.declareQueue("plain")
        #expect(try self.send("later", to: "plain", delay: 50) == .routed(queueCount: 1))
        #expect(self.host.delayedMessageCount(queue: "plain") == 1)
        #expect(try self.send("missing", to: "nowhere", delay: 50) == .unroutable)
        self.fire(after: 50)
        #expect(try self.fixture.drain("plain") == ["later"])
    }

    @Test func purgeAndDeleteDropWaitingMessages() throws {
        try self.fixture.declareQueue("q")
        _ = try self.send("purged", delay: 100)
        #expect(try self.host.purgeQueue("q", owner: CoreFixture.owner, access: self.trusted) == 0)
        #expect(self.host.delayedMessageCount(queue: "q") == 0)
        try self.host.setQueueDeliveryDelay("q", milliseconds: 100, owner: CoreFixture.owner, access: self.trusted)
        _ = try self.send("deleted")
        _ = try self.host.deleteQueue(
            "q", ifUnused: false, ifEmpty: false, owner: CoreFixture.owner, access: self.trusted)
        // A new queue of that name has neither the old delay nor the old messages.
        try self.fixture.declareQueue("q")
        #expect(self.host.queueDeliveryDelay("q") == 0)
        self.fire(after: 100)
        #expect(try self.fixture.drain("q") == [])
    }

    @Test func streamsTakeNoQueueDelay() throws {
        #expect(throws: BrokerError.self) {
            try self.host.setQueueDeliveryDelay(
                "missing", milliseconds: 5, owner: CoreFixture.owner, access: self.trusted)
        }
        try self.fixture.declareQueue("q")
        #expect(throws: BrokerError.self) {
            try self.host.setQueueDeliveryDelay(
                "q", milliseconds: 1 << 40, owner: CoreFixture.owner, access: self.trusted)
        }
    }

    @Test func queueDelaysAndTheirMessagesSurviveARestart() throws {
        let directory = NSTemporaryDirectory() + "junction-queue-delay-\(UUID().uuidString)"
        let clock = ManualBrokerClock()
        func start() throws -> (Broker, LogQueueStore, MetadataStore) {
            let store = try LogQueueStore(
                root: directory + "/queues", maxSegmentBytes: 1 << 20, logger: Logger(label: "t"))
            let metadata = try MetadataStore(path: directory + "/metadata.sqlite")
            let broker = Broker(
                clock: clock, logger: Logger(label: "t"), queueStore: store, metadata: metadata,
                delayRoot: directory + "/delayed")
            try broker.restoreDefinitions()
            return (broker, store, metadata)
        }
        func stop(_ parts: (Broker, LogQueueStore, MetadataStore)) throws {
            parts.0.durability.syncNow()
            parts.0.closeDelayLogs()
            parts.1.close()
            try parts.2.close()
        }
        let first = try start()
        let host = first.0.virtualHost("/")!
        _ = try host.declareQueue(
            "sqs", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false,
            owner: CoreFixture.owner)
        try host.setQueueDeliveryDelay("sqs", milliseconds: 3000, owner: CoreFixture.owner, access: self.trusted)
        let message = Message(
            exchange: "", routingKey: "sqs", properties: MessageProperties(deliveryMode: 2),
            body: ByteBuffer(string: "m"))
        _ = try host.publish(message)
        _ = try host.publish(message, delayMilliseconds: 500, access: self.trusted)
        let ticket = host.durability.currentTicket
        #expect(!host.durability.isDurable(ticket))
        try stop(first)

        clock.advance(byMilliseconds: 1000)
        let second = try start()
        let restored = second.0.virtualHost("/")!
        #expect(restored.queueDeliveryDelay("sqs") == 3000)
        #expect(restored.delayedMessageCount(queue: "sqs") == 2)
        second.0.fireDueDelayedMessages()
        #expect(restored.queue(named: "sqs")?.readyCount == 1)
        clock.advance(byMilliseconds: 2000)
        second.0.fireDueDelayedMessages()
        #expect(restored.queue(named: "sqs")?.readyCount == 2)
        #expect(restored.delayedMessageCount(queue: "sqs") == 0)
        try stop(second)
    }
}
