import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@Suite struct CoreQueueStoreTests {
    private let key = QueueStoreKey(virtualHost: "/", queue: "durable")

    @Test func persistentMessagesOfDurableQueuesAreStoredUntilSettled() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("durable", durable: true)
        try fixture.declareQueue("transient-queue")
        let persistent = MessageProperties(deliveryMode: 2)
        try fixture.publish("", "durable", "p1", properties: persistent)
        try fixture.publish("", "durable", "t1", properties: .init(deliveryMode: 1))
        try fixture.publish("", "durable", "p2", properties: persistent)
        try fixture.publish("", "transient-queue", "p", properties: persistent)
        #expect(fixture.store.count(queue: self.key) == 2)
        #expect(fixture.store.count(queue: QueueStoreKey(virtualHost: "/", queue: "transient-queue")) == 0)
        let first = try #require(try fixture.get("durable"))
        #expect(fixture.store.count(queue: self.key) == 2)
        fixture.vhost.queue(named: "durable")?.ack([first.delivery.id])
        #expect(fixture.store.count(queue: self.key) == 1)
        #expect(try fixture.drain("durable") == ["t1", "p2"])
        #expect(fixture.store.count(queue: self.key) == 0)
    }

    @Test func durableQueueRecoversUnsettledMessagesAsRedelivered() throws {
        let store = InMemoryQueueStore()
        do {
            let before = CoreFixture(store: store)
            try before.declareQueue("durable", durable: true)
            for index in 1...3 {
                try before.publish("", "durable", "\(index)", properties: .init(deliveryMode: 2))
            }
            let consumer = RecordingConsumer()
            _ = try before.consume("durable", consumer, prefetch: 2)
            before.vhost.queue(named: "durable")?.ack([consumer.ids[0]])
            #expect(store.count(queue: self.key) == 2)
        }
        let after = CoreFixture(store: store)
        let declared = try after.declareQueue("durable", durable: true)
        #expect(declared.messageCount == 2)
        let second = try #require(try after.get("durable"))
        #expect(String(buffer: second.delivery.message.body) == "2")
        #expect(second.delivery.redelivered)
        try after.publish("", "durable", "4", properties: .init(deliveryMode: 2))
        after.vhost.queue(named: "durable")?.ack([second.delivery.id])
        #expect(try after.drain("durable") == ["3", "4"])
        #expect(store.count(queue: self.key) == 0)
    }

    @Test func deadLetteringPurgeAndDeleteSettleStoredMessages() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("durable", durable: true, arguments: ["x-max-length": .int32(1)])
        try fixture.publish("", "durable", "1", properties: .init(deliveryMode: 2))
        try fixture.publish("", "durable", "2", properties: .init(deliveryMode: 2))
        #expect(fixture.store.count(queue: self.key) == 1)
        #expect(try fixture.vhost.purgeQueue("durable", owner: CoreFixture.owner) == 1)
        #expect(fixture.store.count(queue: self.key) == 0)
        try fixture.publish("", "durable", "3", properties: .init(deliveryMode: 2))
        _ = try fixture.vhost.deleteQueue("durable", ifUnused: false, ifEmpty: false, owner: CoreFixture.owner)
        #expect(fixture.store.recover(queue: self.key).isEmpty)
    }

    @Test func noAckDeliveryDoesNotKeepTheMessageStored() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("durable", durable: true)
        let consumer = RecordingConsumer()
        _ = try fixture.consume("durable", consumer, noAck: true)
        try fixture.publish("", "durable", "1", properties: .init(deliveryMode: 2))
        #expect(consumer.bodies == ["1"])
        #expect(fixture.store.count(queue: self.key) == 0)
    }
}
