import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

/// `QueueOverrides`: settings an owning API (SQS SetQueueAttributes) changes after declaration.
@Suite struct CoreQueueOverridesTests {
    @Test func aDeliveryLimitAndDeadLetterTargetReachAClassicQueueAfterDeclaration() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dead")
        try fixture.declareQueue("work", durable: true)
        let work = try #require(fixture.vhost.queue(named: "work"))
        try fixture.vhost.setOverrides(
            QueueOverrides(messageTTL: nil, deadLetter: ("", "dead"), deliveryLimit: 1), of: work)
        try fixture.publish("", "work", "job")
        for _ in 0..<2 {
            let (delivery, _) = try #require(try fixture.get("work"))
            work.reject([delivery.id], requeue: true)
        }
        #expect(work.readyCount == 0)
        #expect(try fixture.drain("dead") == ["job"])
    }

    @Test func overridesReplaceTheArgumentsNilIncluded() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dead")
        try fixture.declareQueue(
            "work", durable: true,
            arguments: [
                "x-queue-type": .string("quorum"), "x-delivery-limit": .int32(0),
                "x-dead-letter-exchange": .string(""), "x-dead-letter-routing-key": .string("dead"),
            ])
        let work = try #require(fixture.vhost.queue(named: "work"))
        try fixture.vhost.setOverrides(QueueOverrides(messageTTL: nil, deadLetter: nil, deliveryLimit: nil), of: work)
        try fixture.publish("", "work", "job")
        for _ in 0..<3 {
            let (delivery, _) = try #require(try fixture.get("work"))
            work.reject([delivery.id], requeue: true)
        }
        #expect(work.readyCount == 1)
        #expect(fixture.vhost.queue(named: "dead")?.readyCount == 0)
        // Cleared, the arguments hold again: the next return dead-letters it.
        try fixture.vhost.setOverrides(nil, of: work)
        let (delivery, _) = try #require(try fixture.get("work"))
        work.reject([delivery.id], requeue: true)
        #expect(try fixture.drain("dead") == ["job"])
    }

    @Test func aNewMessageTTLAppliesToMessagesEnqueuedAfterIt() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: ["x-message-ttl": .int32(60_000)])
        let queue = try #require(fixture.vhost.queue(named: "q"))
        try fixture.publish("", "q", "before")
        try fixture.vhost.setOverrides(QueueOverrides(messageTTL: 100, deadLetter: nil, deliveryLimit: nil), of: queue)
        try fixture.publish("", "q", "after")
        fixture.clock.advance(byMilliseconds: 100)
        fixture.broker.expireMessages()
        #expect(try fixture.drain("q") == ["before"])
    }

    @Test func policiesStillApplyOnTopAndStreamsAreRefused() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let queue = try #require(fixture.vhost.queue(named: "q"))
        try fixture.vhost.setOverrides(
            QueueOverrides(messageTTL: 60_000, deadLetter: nil, deliveryLimit: nil), of: queue)
        try fixture.vhost.setPolicy(
            try Policy(
                kind: .user, name: "short", pattern: "^q$", applyTo: .queues, priority: 0,
                definition: PolicyDefinition([("message-ttl", .int64(10))], operatorPolicy: false)))
        try fixture.publish("", "q", "m")
        fixture.clock.advance(byMilliseconds: 10)
        fixture.broker.expireMessages()
        #expect(queue.readyCount == 0)
        try fixture.declareQueue("s", durable: true, arguments: ["x-queue-type": .string("stream")])
        let stream = try #require(fixture.vhost.queue(named: "s"))
        #expect(throws: BrokerError.self) {
            try fixture.vhost.setOverrides(
                QueueOverrides(messageTTL: 1, deadLetter: nil, deliveryLimit: nil), of: stream)
        }
    }

    @Test func lengthLimitsAloneReplaceTheLengthArgumentsAndKeepTheRest() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dead")
        try fixture.declareQueue(
            "session",
            arguments: [
                "x-max-length": .int64(100), "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string("dead"),
            ])
        let session = try #require(fixture.vhost.queue(named: "session"))
        for index in 0..<5 { try fixture.publish("", "session", "m\(index)") }
        // Lowered below the backlog: drop-head applies at once, and the dead-letter target still holds.
        try fixture.vhost.setOverrides(
            QueueOverrides(lengthLimits: QueueLengthLimits(maxLength: 2, maxLengthBytes: nil, overflow: .dropHead)),
            of: session)
        #expect(session.readyCount == 2)
        #expect(try fixture.drain("dead") == ["m0", "m1", "m2"])
        #expect(
            session.declaredLengthLimits == QueueLengthLimits(maxLength: 100, maxLengthBytes: nil, overflow: .dropHead))
        // reject-publish: the queue refuses what would pass the limit.
        try fixture.vhost.setOverrides(
            QueueOverrides(
                lengthLimits: QueueLengthLimits(maxLength: 2, maxLengthBytes: nil, overflow: .rejectPublish)),
            of: session)
        try fixture.publish("", "session", "refused")
        #expect(try fixture.drain("session") == ["m3", "m4"])
    }
}
