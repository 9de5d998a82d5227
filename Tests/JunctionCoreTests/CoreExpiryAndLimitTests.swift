import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@Suite struct CoreExpiryAndLimitTests {
    @Test func perMessageTTLExpiresAtHead() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.publish("", "q", "short", properties: .init(expiration: "100"))
        try fixture.publish("", "q", "long", properties: .init(expiration: "1000"))
        try fixture.publish("", "q", "forever")
        fixture.clock.advance(byMilliseconds: 99)
        fixture.broker.expireMessages()
        #expect(fixture.vhost.queue(named: "q")?.readyCount == 3)
        fixture.clock.advance(byMilliseconds: 1)
        #expect(try fixture.drain("q") == ["long", "forever"])
    }

    @Test func perQueueTTLAndTheSmallerWins() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("queue-wins", arguments: ["x-message-ttl": .int32(500)])
        try fixture.declareQueue("message-wins", arguments: ["x-message-ttl": .int32(500)])
        try fixture.publish("", "queue-wins", "plain")
        try fixture.publish("", "queue-wins", "longer", properties: .init(expiration: "5000"))
        try fixture.publish("", "message-wins", "shorter", properties: .init(expiration: "50"))
        fixture.clock.advance(byMilliseconds: 49)
        fixture.broker.expireMessages()
        #expect(fixture.vhost.queue(named: "message-wins")?.readyCount == 1)
        fixture.clock.advance(byMilliseconds: 1)
        fixture.broker.expireMessages()
        #expect(fixture.vhost.queue(named: "message-wins")?.readyCount == 0)
        fixture.clock.advance(byMilliseconds: 449)
        fixture.broker.expireMessages()
        #expect(fixture.vhost.queue(named: "queue-wins")?.readyCount == 2)
        fixture.clock.advance(byMilliseconds: 1)
        fixture.broker.expireMessages()
        #expect(fixture.vhost.queue(named: "queue-wins")?.readyCount == 0)
    }

    @Test func perMessageExpiryBehindALiveHeadWaitsForTheHeadButIsNotDelivered() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.publish("", "q", "live")
        try fixture.publish("", "q", "short", properties: .init(expiration: "10"))
        fixture.clock.advance(byMilliseconds: 10)
        fixture.broker.expireMessages()
        #expect(fixture.vhost.queue(named: "q")?.readyCount == 2)
        #expect(try fixture.drain("q") == ["live"])
    }

    @Test func expiredMessagesAreNeverDelivered() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: ["x-message-ttl": .int32(10)])
        try fixture.publish("", "q", "stale")
        fixture.clock.advance(byMilliseconds: 10)
        try fixture.publish("", "q", "fresh")
        let consumer = RecordingConsumer()
        _ = try fixture.consume("q", consumer, noAck: true)
        #expect(consumer.bodies == ["fresh"])
    }

    @Test func zeroTTLIsDeliveredOnlyToAReadyConsumer() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.publish("", "q", "nobody", properties: .init(expiration: "0"))
        #expect(try fixture.get("q") == nil)
        let consumer = RecordingConsumer()
        _ = try fixture.consume("q", consumer, noAck: true)
        try fixture.publish("", "q", "someone", properties: .init(expiration: "0"))
        #expect(consumer.bodies == ["someone"])
    }

    @Test func requeuedMessageKeepsItsExpiry() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: ["x-message-ttl": .int32(100)])
        try fixture.publish("", "q")
        let got = try #require(try fixture.get("q"))
        fixture.clock.advance(byMilliseconds: 150)
        fixture.vhost.queue(named: "q")?.reject([got.delivery.id], requeue: true)
        #expect(try fixture.get("q") == nil)
    }

    @Test func invalidExpirationIsRefused() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        for bad in ["-1", "abc", "", "1.5"] {
            #expect(throws: BrokerError.preconditionFailed("invalid expiration '\(bad)'")) {
                try fixture.publish("", "q", properties: .init(expiration: bad))
            }
        }
        #expect(fixture.vhost.queue(named: "q")?.readyCount == 0)
    }

    @Test func expiredMessagesAreDeadLetteredWithReasonExpired() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dead")
        try fixture.declareQueue(
            "q",
            arguments: [
                "x-message-ttl": .int32(10), "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string("dead"),
            ]
        )
        try fixture.publish("", "q", "late")
        fixture.clock.advance(byMilliseconds: 10)
        #expect(try fixture.get("q") == nil)
        let dead = try #require(try fixture.get("dead"))
        #expect(dead.delivery.message.properties.headers?["x-first-death-reason"] == .string("expired"))
    }

    @Test func maxLengthDropHeadDeadLettersOldest() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dead")
        try fixture.declareQueue(
            "q",
            arguments: [
                "x-max-length": .int32(2), "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string("dead"),
            ]
        )
        for index in 1...4 {
            #expect(try fixture.publish("", "q", "\(index)") == .routed(queueCount: 1))
        }
        #expect(try fixture.drain("q") == ["3", "4"])
        let dead = try #require(try fixture.get("dead", noAck: true))
        #expect(String(buffer: dead.delivery.message.body) == "1")
        #expect(dead.delivery.message.properties.headers?["x-first-death-reason"] == .string("maxlen"))
        #expect(try fixture.drain("dead") == ["2"])
    }

    @Test func maxLengthBytesDropsHead() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: ["x-max-length-bytes": .int32(10)])
        try fixture.publish("", "q", "aaaa")
        try fixture.publish("", "q", "bbbb")
        try fixture.publish("", "q", "cccc")
        #expect(try fixture.drain("q") == ["bbbb", "cccc"])
    }

    @Test func maxLengthCountsOnlyReadyMessages() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: ["x-max-length": .int32(1), "x-overflow": .string("reject-publish")])
        let consumer = RecordingConsumer()
        _ = try fixture.consume("q", consumer, prefetch: 1)
        #expect(try fixture.publish("", "q", "1") == .routed(queueCount: 1))
        #expect(try fixture.publish("", "q", "2") == .routed(queueCount: 1))
        #expect(try fixture.publish("", "q", "3") == .routed(queueCount: 0))
        #expect(consumer.bodies == ["1"])
    }

    @Test func rejectPublishRefusesAtLimitAndOtherQueuesStillGetIt() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue(
            "bounded", arguments: ["x-max-length": .int32(1), "x-overflow": .string("reject-publish")])
        try fixture.declareQueue("open")
        try fixture.bind("bounded", "amq.fanout", "")
        try fixture.bind("open", "amq.fanout", "")
        #expect(try fixture.publish("amq.fanout", "", "1") == .routed(queueCount: 2))
        #expect(try fixture.publish("amq.fanout", "", "2") == .routed(queueCount: 1))
        #expect(try fixture.drain("bounded") == ["1"])
        #expect(try fixture.drain("open") == ["1", "2"])
    }

    @Test func rejectPublishDLXDeadLettersTheRefusedMessage() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dead")
        try fixture.declareQueue(
            "q",
            arguments: [
                "x-max-length": .int32(0), "x-overflow": .string("reject-publish-dlx"),
                "x-dead-letter-exchange": .string(""), "x-dead-letter-routing-key": .string("dead"),
            ]
        )
        #expect(try fixture.publish("", "q", "refused") == .routed(queueCount: 0))
        #expect(try fixture.drain("dead") == ["refused"])
    }
}
