import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@testable import JunctionCore

/// `x-message-groups` with several messages of one group out at once, as SQS FIFO receives them: one
/// `getBatch` (or one run-taking subscription) takes the next messages of a group it holds, in order;
/// nobody else gets any of that group until all of them are settled; requeued ones come back in order.
@Suite struct CoreMessageGroupBatchTests {
    static let groups: FieldTable = ["x-message-groups": .boolean(true)]

    static func inGroup(_ group: String) -> MessageProperties {
        MessageProperties(headers: ["x-group-id": .string(group)])
    }

    func publish(_ fixture: CoreFixture, _ messages: [(group: String, body: String)]) throws {
        for (group, body) in messages {
            try fixture.publish("", "q", body, properties: Self.inGroup(group))
        }
    }

    func batch(_ fixture: CoreFixture, _ maximum: Int = 10) throws -> [Delivery] {
        try fixture.vhost.getBatch(
            queue: "q", maximum: maximum, owner: CoreFixture.owner, access: .trusted(virtualHost: "/"))
    }

    static func bodies(_ deliveries: [Delivery]) -> [String] {
        deliveries.map { String(buffer: $0.message.body) }
    }

    @Test func oneBatchTakesAWholeGroupInOrderAndHoldsIt() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publish(fixture, (1...10).map { ("g", "g\($0)") })
        let first = try self.batch(fixture)
        #expect(Self.bodies(first) == (1...10).map { "g\($0)" })
        #expect(first.map(\.deliveryCount) == Array(repeating: 1, count: 10))
        // Held: another receive, a basic.get and a consumer get nothing of the group.
        try self.publish(fixture, [("g", "g11")])
        #expect(try self.batch(fixture).isEmpty)
        #expect(try fixture.get("q") == nil)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        queue.ack(first.prefix(9).map(\.id))
        #expect(try self.batch(fixture).isEmpty)
        queue.ack([first[9].id])
        #expect(Self.bodies(try self.batch(fixture)) == ["g11"])
    }

    @Test func aSmallBatchLeavesTheRestOfTheGroupUntilItIsSettled() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publish(fixture, (1...6).map { ("g", "g\($0)") })
        let first = try self.batch(fixture, 2)
        #expect(Self.bodies(first) == ["g1", "g2"])
        #expect(try self.batch(fixture).isEmpty)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.readyCount == 4)
        queue.ack(first.map(\.id))
        #expect(Self.bodies(try self.batch(fixture)) == ["g3", "g4", "g5", "g6"])
    }

    @Test func twoGroupsAreBothServedEachInOrder() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publish(fixture, [("a", "a1"), ("b", "b1"), ("a", "a2"), ("b", "b2"), ("a", "a3")])
        let taken = Self.bodies(try self.batch(fixture))
        #expect(taken.filter { $0.hasPrefix("a") } == ["a1", "a2", "a3"])
        #expect(taken.filter { $0.hasPrefix("b") } == ["b1", "b2"])
    }

    @Test func aBatchTakesAsManyOfItsFirstGroupAsItCanBeforeOthers() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publish(fixture, [("a", "a1"), ("b", "b1"), ("a", "a2"), ("b", "b2"), ("c", "c1"), ("a", "a3")])
        // Two receivers of two messages each work on two groups in parallel, as with SQS.
        #expect(Self.bodies(try self.batch(fixture, 2)) == ["a1", "a2"])
        #expect(Self.bodies(try self.batch(fixture, 2)) == ["b1", "b2"])
        #expect(Self.bodies(try self.batch(fixture, 2)) == ["c1"])
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.readyCount == 1)
    }

    @Test func gatheringAGroupStopsAtAnUngroupedMessageAndAfterItsLookAhead() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publish(fixture, [("a", "a1")])
        try fixture.publish("", "q", "plain")
        try self.publish(fixture, [("a", "a2")])
        #expect(Self.bodies(try self.batch(fixture)) == ["a1", "plain", "a2"])

        let other = CoreFixture()
        try other.declareQueue("q", arguments: Self.groups)
        try self.publish(other, [("a", "a1")])
        let passed = MessageQueue.groupLookAhead
        try self.publish(other, (0...passed).map { ("g\($0)", "g\($0)") })
        try self.publish(other, [("a", "a2")])
        // a2 lies past the look-ahead: the batch goes on with the oldest of the groups it moved aside.
        #expect(Self.bodies(try self.batch(other, 2)) == ["a1", "g0"])
        #expect(Self.bodies(try self.batch(other, 200)).count == passed)
    }

    @Test func requeuedMessagesComeBackInOrderOnceTheGroupIsFree() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publish(fixture, (1...5).map { ("g", "g\($0)") })
        let first = try self.batch(fixture, 3)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        // Returned one by one, the later first, while g2 is still out: the group stays held.
        queue.reject([first[2].id], requeue: true)
        queue.reject([first[0].id], requeue: true)
        #expect(try self.batch(fixture).isEmpty)
        #expect(queue.readyCount == 4)
        queue.ack([first[1].id])
        let again = try self.batch(fixture)
        #expect(Self.bodies(again) == ["g1", "g3", "g4", "g5"])
        #expect(again.map(\.redelivered) == [true, true, false, false])
        #expect(again.map(\.deliveryCount) == [2, 2, 1, 1])
        // A whole batch returned at once (SQS visibility expiry) comes back in order too.
        queue.reject(again.map(\.id).reversed(), requeue: true)
        #expect(Self.bodies(try self.batch(fixture)) == ["g1", "g3", "g4", "g5"])
    }

    @Test func aBatchGoesOnWithTheParkedMessagesOfAGroupFreedForIt() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publish(fixture, [("a", "a1"), ("a", "a2"), ("a", "a3")])
        // A basic.get holds a by one delivery; the batch parks a2 and a3 behind it and takes b1.
        let held = try #require(try fixture.get("q"))
        try self.publish(fixture, [("b", "b1")])
        #expect(Self.bodies(try self.batch(fixture)) == ["b1"])
        fixture.vhost.queue(named: "q")?.ack([held.delivery.id])
        #expect(Self.bodies(try self.batch(fixture)) == ["a2", "a3"])
    }

    @Test func consumersStillGetOneMessagePerGroupWhileARunTakingSubscriptionGetsSeveral() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publish(fixture, [("a", "a1"), ("a", "a2"), ("b", "b1"), ("b", "b2")])
        let consumer = RecordingConsumer()
        _ = try fixture.consume("q", consumer, prefetch: 10)
        #expect(consumer.bodies == ["a1", "b1"])
        fixture.vhost.queue(named: "q")?.ack(consumer.ids)
        #expect(consumer.bodies == ["a1", "b1", "a2", "b2"])

        let other = CoreFixture()
        try other.declareQueue("q", arguments: Self.groups)
        let poll = RecordingConsumer()
        let subscription = try other.vhost.consume(
            queue: "q", consumer: poll, tag: "poll", noAck: false, exclusive: false, prefetch: 10,
            sharedCredit: nil, arguments: [:], owner: CoreFixture.owner)
        subscription.takesGroupRuns = true
        subscription.resume()
        try self.publish(other, [("a", "a1"), ("a", "a2"), ("b", "b1"), ("a", "a3")])
        #expect(poll.bodies == ["a1", "a2", "b1", "a3"])
        // Another receive gets nothing of the groups the subscription holds.
        #expect(try self.batch(other).isEmpty)
    }

    @Test func aBatchPastItsDeliveryLimitIsDeadLetteredInOrder() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("dlq")
        try fixture.declareQueue(
            "q", durable: true,
            arguments: [
                "x-message-groups": .boolean(true), "x-queue-type": .string("quorum"), "x-delivery-limit": .int32(1),
                "x-dead-letter-exchange": .string(""), "x-dead-letter-routing-key": .string("dlq"),
            ])
        try self.publish(fixture, (1...3).map { ("g", "g\($0)") })
        let queue = try #require(fixture.vhost.queue(named: "q"))
        queue.reject(try self.batch(fixture).map(\.id), requeue: true)
        let second = try self.batch(fixture)
        #expect(second.map(\.deliveryCount) == [2, 2, 2])
        // SQS's redrive: the visibility of the whole receive ends at once.
        queue.reject(second.map(\.id), requeue: true)
        #expect(queue.readyCount == 0)
        #expect(try fixture.drain("dlq") == ["g1", "g2", "g3"])
    }

    @Test func purgeDropsMessagesReturnedWhileTheirGroupWasHeld() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publish(fixture, (1...3).map { ("g", "g\($0)") })
        let first = try self.batch(fixture)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        queue.reject([first[0].id], requeue: true)
        #expect(try fixture.vhost.purgeQueue("q", owner: CoreFixture.owner) == 1)
        #expect(queue.readyCount == 0)
        queue.ack(first.dropFirst().map(\.id))
        try self.publish(fixture, [("g", "g4")])
        #expect(Self.bodies(try self.batch(fixture)) == ["g4"])
    }
}
