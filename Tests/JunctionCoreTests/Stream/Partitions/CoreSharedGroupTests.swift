import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

/// Shared groups (`x-consumer-group-type: shared`): members take messages one by one, round robin;
/// released, expired and departed members' messages come back; rejects and the delivery limit
/// dead-letter; the stream stays a log for everyone else.
@Suite struct CoreSharedGroupTests {
    static func fixture(_ arguments: FieldTable = [:]) throws -> StreamFixture {
        let fixture = StreamFixture(inMemory: true)
        _ = try fixture.vhost.declareQueue(
            "dead", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false,
            owner: StreamFixture.owner)
        try fixture.vhost.bindQueue(
            "dead", exchange: "amq.fanout", routingKey: "", arguments: [:], owner: StreamFixture.owner)
        var table = arguments
        table["x-dead-letter-exchange"] = .string("amq.fanout")
        try fixture.declare("s", table)
        return fixture
    }

    @Test func membersTakeMessagesRoundRobinAndAcksCommitTheSettledPrefix() throws {
        let fixture = try Self.fixture()
        let (one, two) = (StreamRecordingConsumer(), StreamRecordingConsumer())
        _ = try fixture.join("s", one, group: "g", tag: "one", prefetch: 100, shared: true)
        _ = try fixture.join("s", two, group: "g", tag: "two", prefetch: 100, shared: true)
        try fixture.publish("s", 0..<10)
        #expect(one.offsets == [0, 2, 4, 6, 8])
        #expect(two.offsets == [1, 3, 5, 7, 9])
        two.ackAll()
        let stream = try #require(fixture.vhost.stream(named: "s"))
        #expect(stream.groups.first?.committedOffset == nil)
        one.ackAll()
        #expect(stream.groups.first?.committedOffset == 9)
        #expect(stream.groups.first?.isShared == true)
        // An offset reader still reads everything.
        let reader = StreamRecordingConsumer()
        _ = try fixture.consume("s", reader, offset: .string("first"))
        #expect(reader.offsets == Array(0..<10))
    }

    @Test func aRequeueAnExpiredLockAndADepartedMemberMakeMessagesAvailableAgain() throws {
        let fixture = try Self.fixture(["x-acquisition-timeout": .int32(1000)])
        let (one, two) = (StreamRecordingConsumer(), StreamRecordingConsumer())
        let first = try fixture.join("s", one, group: "g", tag: "one", prefetch: 1, shared: true)
        _ = try fixture.join("s", two, group: "g", tag: "two", prefetch: 1, shared: true)
        try fixture.publish("s", 0..<2)
        #expect(one.offsets == [0] && two.offsets == [1])
        // Requeue: the next free member (two, after its ack) gets offset 1 back, redelivered.
        let held = try #require(two.deliveries.first)
        held.subscription.settle(rejected: [held.id], requeue: true)
        #expect(two.offsets == [1, 1])
        #expect(two.deliveries.last?.redelivered == true)
        // The acquisition lock expires: available again.
        fixture.clock.advance(byMilliseconds: 1000)
        fixture.broker.expireMessages()
        #expect(one.offsets.count + two.offsets.count == 5)
        #expect(Set([one.offsets.last, two.offsets.last]) == [0, 1])
        #expect(one.deliveries.last?.redelivered == true && two.deliveries.last?.redelivered == true)
        // A departed member's messages go to the others.
        one.ackAll()
        two.ackAll()
        try fixture.publish("s", 2..<4)
        let oneHeld = try #require(one.offsets.last)
        #expect(oneHeld >= 2)
        first.cancel()
        two.ackAll()
        #expect(two.offsets == [oneHeld])
        #expect(two.deliveries.last?.redelivered == true)
        let stream = try #require(fixture.vhost.stream(named: "s"))
        two.ackAll()
        #expect(stream.groups.first?.committedOffset == 3)
    }

    @Test func rejectWithoutRequeueAndTheDeliveryLimitDeadLetter() throws {
        let fixture = try Self.fixture(["x-delivery-limit": .int32(2)])
        let member = StreamRecordingConsumer()
        _ = try fixture.join("s", member, group: "g", tag: "one", prefetch: 10, shared: true)
        try fixture.publish("s", 0..<2)
        let rejected = try #require(member.deliveries.first { $0.offset == 0 })
        rejected.subscription.settle(rejected: [rejected.id], requeue: false)
        let dead = try #require(fixture.vhost.queue(named: "dead"))
        #expect(dead.readyCount == 1)
        // Offset 1: returned twice (the limit) it comes back; returned a third time it is dead-lettered
        // with reason delivery_limit, as a quorum queue does.
        for returns in 1...3 {
            let delivery = try #require(member.deliveries.last { $0.offset == 1 })
            delivery.subscription.settle(rejected: [delivery.id], requeue: true)
            #expect(dead.readyCount == (returns < 3 ? 1 : 2))
        }
        #expect(member.deliveries.filter { $0.offset == 1 }.count == 3)
        #expect(member.deliveries.last { $0.offset == 1 }?.redelivered == true)
        let reasons = try fixture.vhost.get(queue: "dead", noAck: true, owner: StreamFixture.owner).map { got in
            got.delivery.message.properties.headers?["x-first-death-reason"]?.stringValue
        }
        #expect(reasons == "rejected")
        let second = try fixture.vhost.get(queue: "dead", noAck: true, owner: StreamFixture.owner)
        #expect(second?.delivery.message.properties.headers?["x-first-death-reason"]?.stringValue == "delivery_limit")
        let stream = try #require(fixture.vhost.stream(named: "s"))
        #expect(stream.groups.first?.committedOffset == 1)
        #expect(stream.messageCount == 2)
    }
}
