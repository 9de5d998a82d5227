import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import Testing

/// Issue 13, defect 1: a group member's unacknowledged or requeued deliveries are never committed;
/// the group's next member gets them again, marked redelivered.
@Suite struct CoreStreamGroupRedeliveryTests {
    /// Acks every delivery below `bound` as it arrives (each ack brings the next under prefetch).
    private static func ack(_ consumer: StreamRecordingConsumer, below bound: Int64) {
        var index = 0
        while index < consumer.deliveries.count {
            let delivery = consumer.deliveries[index]
            index += 1
            if delivery.offset < bound { delivery.subscription.settle(acked: [delivery.id]) }
        }
    }

    private static func memberWithTenUnacked(
        _ fixture: StreamFixture
    ) throws -> (StreamSubscription, StreamRecordingConsumer) {
        try fixture.declare("s")
        try fixture.publish("s", 0..<400)
        let consumer = StreamRecordingConsumer()
        let member = try fixture.consume("s", consumer, offset: .string("first"), group: "g", prefetch: 10, tag: "one")
        Self.ack(consumer, below: 300)
        #expect(consumer.offsets.suffix(10) == Array(300..<310))
        #expect(member.unackedCount == 10)
        return (member, consumer)
    }

    private static func pending(_ consumer: StreamRecordingConsumer) -> [DeliveryID] {
        consumer.deliveries.filter { $0.offset >= 300 }.map(\.id)
    }

    @Test func aClosedChannelsUnackedDeliveriesAreNotCommitted() throws {
        let fixture = StreamFixture(inMemory: true)
        let (member, consumer) = try Self.memberWithTenUnacked(fixture)
        // What a channel does when it closes: cancel the consumer, then requeue what it held.
        member.cancel()
        member.settle(rejected: Self.pending(consumer), requeue: true)
        let stream = try #require(fixture.vhost.stream(named: "s"))
        #expect(stream.groups.first?.committedOffset == 299)

        let next = StreamRecordingConsumer()
        _ = try fixture.consume("s", next, offset: .string("first"), group: "g", prefetch: 20, tag: "two")
        #expect(next.offsets == Array(300..<320))
        #expect(
            next.deliveries.map(\.redelivered) == Array(repeating: true, count: 10) + Array(repeating: false, count: 10)
        )
    }

    @Test func requeuedDeliveriesBeforeTheCancelAreNotCommitted() throws {
        let fixture = StreamFixture(inMemory: true)
        let (member, consumer) = try Self.memberWithTenUnacked(fixture)
        // pika cancels a consumer by rejecting what it holds with requeue.
        let pending = Self.pending(consumer)
        member.settle(rejected: Array(pending.suffix(5)), requeue: true)
        member.settle(rejected: Array(pending.prefix(5)), requeue: true)
        // The member itself reads them again (rewound), marked redelivered.
        #expect(consumer.offsets.suffix(10) == Array(300..<310))
        #expect(consumer.deliveries.suffix(10).map(\.redelivered) == Array(repeating: true, count: 10))
        // pika's cancel: basic.cancel, then a nack with requeue of what it still holds.
        member.cancel()
        member.settle(rejected: Self.pending(consumer).suffix(10), requeue: true)
        let stream = try #require(fixture.vhost.stream(named: "s"))
        #expect(stream.groups.first?.committedOffset == 299)

        let next = StreamRecordingConsumer()
        _ = try fixture.consume("s", next, offset: .string("first"), group: "g", prefetch: 10, tag: "two")
        #expect(next.offsets == Array(300..<310))
        #expect(next.deliveries.map(\.redelivered) == Array(repeating: true, count: 10))
    }

    @Test func acksAfterARequeueCommitOnlyUpToTheRequeuedOne() throws {
        let fixture = StreamFixture(inMemory: true)
        let (member, consumer) = try Self.memberWithTenUnacked(fixture)
        let pending = consumer.deliveries.filter { $0.offset >= 300 }
        member.settle(rejected: [pending[3].id], requeue: true)
        // Acks of deliveries before the requeued one commit; the forgotten ones after it do not.
        member.settle(acked: pending.map(\.id))
        let stream = try #require(fixture.vhost.stream(named: "s"))
        #expect(stream.groups.first?.committedOffset == 302)
        member.cancel()
        let next = StreamRecordingConsumer()
        _ = try fixture.consume("s", next, offset: .string("first"), group: "g", prefetch: 3, tag: "two")
        #expect(next.offsets == [303, 304, 305])
        #expect(next.deliveries.map(\.redelivered) == Array(repeating: true, count: 3))
    }
}
