import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@Suite struct CoreDeadLetterTests {
    private func deaths(_ delivery: Delivery) throws -> [FieldTable] {
        guard case .array(let values) = delivery.message.properties.headers?["x-death"] else {
            Issue.record("no x-death header")
            return []
        }
        return values.compactMap { value in
            if case .table(let table) = value { return table }
            return nil
        }
    }

    @Test func rejectedMessageIsDeadLetteredWithRabbitMQShapedXDeath() throws {
        let fixture = CoreFixture()
        fixture.clock.set(milliseconds: 1_700_000_000_500)
        try fixture.declareExchange("dlx", type: "direct")
        try fixture.declareQueue("dead")
        try fixture.bind("dead", "dlx", "dead-key")
        try fixture.declareQueue(
            "work",
            arguments: ["x-dead-letter-exchange": .string("dlx"), "x-dead-letter-routing-key": .string("dead-key")]
        )
        try fixture.bind("work", "amq.direct", "orders")
        try fixture.publish(
            "amq.direct", "orders", "payload", properties: .init(headers: ["app": .string("a")], expiration: "60000"))
        let got = try #require(try fixture.get("work"))
        fixture.vhost.queue(named: "work")?.reject([got.delivery.id], requeue: false)

        let dead = try #require(try fixture.get("dead", noAck: true))
        #expect(dead.delivery.message.exchange == "dlx")
        #expect(dead.delivery.message.routingKey == "dead-key")
        #expect(dead.delivery.message.properties.expiration == nil)
        #expect(String(buffer: dead.delivery.message.body) == "payload")
        let headers = try #require(dead.delivery.message.properties.headers)
        #expect(headers["app"] == .string("a"))
        let entries = try self.deaths(dead.delivery)
        #expect(entries.count == 1)
        let expected: FieldTable = [
            "count": .int64(1),
            "reason": .string("rejected"),
            "queue": .string("work"),
            "time": .timestamp(1_700_000_000),
            "exchange": .string("amq.direct"),
            "routing-keys": .array([.string("orders")]),
            "original-expiration": .string("60000"),
        ]
        #expect(entries.first == expected)
        #expect(headers["x-first-death-reason"] == .string("rejected"))
        #expect(headers["x-first-death-queue"] == .string("work"))
        #expect(headers["x-first-death-exchange"] == .string("amq.direct"))
    }

    @Test func deadLetterKeepsRoutingKeyWithoutDeadLetterRoutingKey() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dead")
        try fixture.bind("dead", "amq.topic", "orders.#")
        try fixture.declareQueue("work", arguments: ["x-dead-letter-exchange": .string("amq.topic")])
        try fixture.bind("work", "amq.direct", "orders.eu")
        try fixture.publish("amq.direct", "orders.eu")
        let consumer = RecordingConsumer()
        _ = try fixture.consume("work", consumer)
        fixture.vhost.queue(named: "work")?.reject(consumer.ids, requeue: false)
        let dead = try #require(try fixture.get("dead"))
        #expect(dead.delivery.message.routingKey == "orders.eu")
        #expect(dead.delivery.message.exchange == "amq.topic")
    }

    @Test func repeatedDeathsIncrementCountAndMoveEntryToFront() throws {
        let fixture = CoreFixture()
        // work --rejected--> retry (TTL 100) --expired--> work (via default exchange)
        try fixture.declareQueue(
            "work",
            arguments: ["x-dead-letter-exchange": .string(""), "x-dead-letter-routing-key": .string("retry")]
        )
        try fixture.declareQueue(
            "retry",
            arguments: [
                "x-message-ttl": .int32(100),
                "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string("work"),
            ]
        )
        try fixture.publish("", "work", "job")
        for round in 1...2 {
            let got = try #require(try fixture.get("work"))
            fixture.vhost.queue(named: "work")?.reject([got.delivery.id], requeue: false)
            #expect(fixture.vhost.queue(named: "retry")?.readyCount == 1)
            fixture.clock.advance(byMilliseconds: 100)
            fixture.broker.expireMessages()
            let back = try #require(try fixture.get("work", noAck: round == 2))
            let entries = try self.deaths(back.delivery)
            #expect(entries.count == 2)
            #expect(entries.first?["queue"] == .string("retry"))
            #expect(entries.first?["reason"] == .string("expired"))
            #expect(entries.first?["count"]?.integerValue == Int64(round))
            #expect(entries.last?["queue"] == .string("work"))
            #expect(entries.last?["count"]?.integerValue == Int64(round))
            #expect(back.delivery.message.properties.headers?["x-first-death-reason"] == .string("rejected"))
            if round == 1 { fixture.vhost.queue(named: "work")?.reject([back.delivery.id], requeue: true) }
        }
    }

    @Test func expiryCycleWithoutRejectionIsDropped() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue(
            "a",
            arguments: [
                "x-message-ttl": .int32(10), "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string("b"),
            ]
        )
        try fixture.declareQueue(
            "b",
            arguments: [
                "x-message-ttl": .int32(10), "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string("a"),
            ]
        )
        try fixture.publish("", "a")
        fixture.clock.advance(byMilliseconds: 10)
        fixture.broker.expireMessages()
        let total1 =
            (fixture.vhost.queue(named: "a")?.readyCount ?? 0) + (fixture.vhost.queue(named: "b")?.readyCount ?? 0)
        #expect(total1 == 1)
        for _ in 0..<4 {
            fixture.clock.advance(byMilliseconds: 10)
            fixture.broker.expireMessages()
        }
        #expect(fixture.vhost.queue(named: "a")?.readyCount == 0)
        #expect(fixture.vhost.queue(named: "b")?.readyCount == 0)
    }

    @Test func selfDeadLetteringIsAllowedOnRejectAndDroppedOnExpiry() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue(
            "loop",
            arguments: [
                "x-message-ttl": .int32(5), "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string("loop"),
            ]
        )
        try fixture.publish("", "loop")
        let got = try #require(try fixture.get("loop"))
        fixture.vhost.queue(named: "loop")?.reject([got.delivery.id], requeue: false)
        #expect(fixture.vhost.queue(named: "loop")?.readyCount == 1)
        // The newest death (expired, in "loop") leads straight back to "loop" with no rejection: a cycle.
        fixture.clock.advance(byMilliseconds: 5)
        fixture.broker.expireMessages()
        #expect(fixture.vhost.queue(named: "loop")?.readyCount == 0)
    }

    @Test func missingDeadLetterExchangeDropsTheMessage() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: ["x-dead-letter-exchange": .string("missing")])
        try fixture.publish("", "q")
        let got = try #require(try fixture.get("q"))
        fixture.vhost.queue(named: "q")?.reject([got.delivery.id], requeue: false)
        #expect(fixture.vhost.queue(named: "q")?.readyCount == 0)
        #expect(fixture.vhost.queue(named: "q")?.unackedCount == 0)
    }

    @Test func deadLetteredMessageReachesAConsumerSynchronously() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dead")
        try fixture.declareQueue(
            "work", arguments: ["x-dead-letter-exchange": .string(""), "x-dead-letter-routing-key": .string("dead")])
        let deadConsumer = RecordingConsumer()
        _ = try fixture.consume("dead", deadConsumer, noAck: true)
        let worker = RecordingConsumer()
        worker.onDeliver = { delivery, _ in delivery.queue.reject([delivery.id], requeue: false) }
        _ = try fixture.consume("work", worker)
        try fixture.publish("", "work", "poison")
        #expect(deadConsumer.bodies == ["poison"])
        #expect(fixture.vhost.queue(named: "work")?.unackedCount == 0)
    }
}
