import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

/// `x-message-groups` with `x-group-id`: FIFO within a group, one unacknowledged message per group,
/// groups spread over the consumers; requeue and consumer loss give the message back to its group first.
@Suite struct CoreMessageGroupTests {
    static let groups: FieldTable = ["x-message-groups": .boolean(true)]

    static func inGroup(_ group: String, persistent: Bool = false) -> MessageProperties {
        MessageProperties(headers: ["x-group-id": .string(group)], deliveryMode: persistent ? 2 : nil)
    }

    /// Publishes a1 a2 b1 a3 b2 to `q`.
    func publishTwoGroups(_ fixture: CoreFixture, persistent: Bool = false) throws {
        for (group, body) in [("a", "a1"), ("a", "a2"), ("b", "b1"), ("a", "a3"), ("b", "b2")] {
            try fixture.publish("", "q", body, properties: Self.inGroup(group, persistent: persistent))
        }
    }

    @Test func oneUnackedMessagePerGroupInOrder() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publishTwoGroups(fixture)
        let consumer = RecordingConsumer()
        _ = try fixture.consume("q", consumer, prefetch: 10)
        #expect(consumer.bodies == ["a1", "b1"])
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.readyCount == 3)
        queue.ack([consumer.ids[1]])
        #expect(consumer.bodies == ["a1", "b1", "b2"])
        queue.ack([consumer.ids[0]])
        #expect(consumer.bodies == ["a1", "b1", "b2", "a2"])
        queue.ack([consumer.ids[3]])
        #expect(consumer.bodies == ["a1", "b1", "b2", "a2", "a3"])
        #expect(queue.readyCount == 0)
    }

    @Test func groupsSpreadOverConsumersAndNeverRunTwiceAtOnce() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        let first = RecordingConsumer()
        let second = RecordingConsumer()
        _ = try fixture.consume("q", first, tag: "1", prefetch: 5)
        _ = try fixture.consume("q", second, tag: "2", prefetch: 5)
        try self.publishTwoGroups(fixture)
        #expect(first.bodies == ["a1"])
        #expect(second.bodies == ["b1"])
        let queue = try #require(fixture.vhost.queue(named: "q"))
        queue.ack(first.ids)
        // a2 goes to whichever consumer is next; a's order holds whatever the consumer.
        queue.ack(second.ids)
        let delivered = (first.bodies + second.bodies).filter { $0.hasPrefix("a") }
        #expect(delivered == ["a1", "a2"] || Set(delivered) == ["a1", "a2"])
        #expect(first.bodies.count + second.bodies.count == 4)
    }

    @Test func ungroupedMessagesAreNeverHeldBack() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try fixture.publish("", "q", "a1", properties: Self.inGroup("a"))
        try fixture.publish("", "q", "a2", properties: Self.inGroup("a"))
        try fixture.publish("", "q", "x")
        try fixture.publish("", "q", "y")
        let consumer = RecordingConsumer()
        _ = try fixture.consume("q", consumer, prefetch: 10)
        #expect(consumer.bodies == ["a1", "x", "y"])
    }

    @Test func aRequeuedMessageGoesFirstInItsGroupRedelivered() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publishTwoGroups(fixture)
        let consumer = RecordingConsumer()
        _ = try fixture.consume("q", consumer, prefetch: 10)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        queue.reject([consumer.ids[0]], requeue: true)
        #expect(consumer.bodies == ["a1", "b1", "a1"])
        #expect(consumer.deliveries[2].redelivered)
        queue.reject([consumer.ids[2]], requeue: false)
        #expect(consumer.bodies == ["a1", "b1", "a1", "a2"])
    }

    @Test func consumerLossHandsTheGroupToAnotherConsumerInOrder() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        let first = RecordingConsumer()
        let subscription = try fixture.consume("q", first, tag: "1", prefetch: 5)
        try self.publishTwoGroups(fixture)
        #expect(first.bodies == ["a1", "b1"])
        let second = RecordingConsumer()
        _ = try fixture.consume("q", second, tag: "2", prefetch: 5)
        #expect(second.bodies.isEmpty)
        // What a channel does when it closes: cancel, then requeue what was unacked.
        subscription.cancel()
        fixture.vhost.queue(named: "q")?.requeueAll(of: subscription)
        #expect(Set(second.bodies) == ["a1", "b1"])
        #expect(second.deliveries.map(\.redelivered) == [true, true])
        fixture.vhost.queue(named: "q")?.ack(second.ids)
        #expect(Set(second.bodies) == ["a1", "b1", "a2", "b2"])
    }

    @Test func getRespectsGroupsAndNoAckHoldsNothingBack() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publishTwoGroups(fixture)
        let a1 = try #require(try fixture.get("q"))
        let b1 = try #require(try fixture.get("q"))
        #expect(String(buffer: b1.delivery.message.body) == "b1")
        #expect(b1.messageCount == 3)
        #expect(try fixture.get("q") == nil)
        fixture.vhost.queue(named: "q")?.ack([a1.delivery.id, b1.delivery.id])
        #expect(try fixture.drain("q") == ["a2", "a3", "b2"])
    }

    @Test func purgeRemovesHeldBackMessages() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.groups)
        try self.publishTwoGroups(fixture)
        let consumer = RecordingConsumer()
        _ = try fixture.consume("q", consumer, prefetch: 10)
        #expect(try fixture.vhost.purgeQueue("q", owner: CoreFixture.owner) == 3)
        #expect(fixture.vhost.queue(named: "q")?.readyCount == 0)
        fixture.vhost.queue(named: "q")?.ack(consumer.ids)
        #expect(consumer.bodies == ["a1", "b1"])
    }

    @Test func aDurableGroupQueueKeepsGroupOrderAcrossARestart() throws {
        let store = InMemoryQueueStore()
        do {
            let before = CoreFixture(store: store)
            try before.declareQueue("q", durable: true, arguments: Self.groups)
            try self.publishTwoGroups(before, persistent: true)
            let consumer = RecordingConsumer()
            _ = try before.consume("q", consumer, prefetch: 10)
            #expect(consumer.bodies == ["a1", "b1"])
            before.vhost.queue(named: "q")?.ack([consumer.ids[1]])
            #expect(consumer.bodies == ["a1", "b1", "b2"])
        }
        let after = CoreFixture(store: store)
        #expect(try after.declareQueue("q", durable: true, arguments: Self.groups).messageCount == 4)
        let consumer = RecordingConsumer()
        _ = try after.consume("q", consumer, prefetch: 10)
        #expect(consumer.bodies == ["a1", "b2"])
        #expect(consumer.deliveries.map(\.redelivered) == [true, true])
        after.vhost.queue(named: "q")?.ack(consumer.ids)
        #expect(consumer.bodies == ["a1", "b2", "a2"])
    }

    @Test func groupsAndDeduplicationTogetherAsSQSFIFOUsesThem() throws {
        let fixture = CoreFixture()
        let fifo: FieldTable = [
            "x-message-groups": .boolean(true), "x-message-deduplication": .boolean(true),
            "x-cache-ttl": .int32(300_000),
        ]
        try fixture.declareQueue("q", arguments: fifo)
        let properties = MessageProperties(headers: [
            "x-group-id": .string("g"), "x-deduplication-header": .string("d1"),
        ])
        try fixture.publish("", "q", "1", properties: properties)
        try fixture.publish("", "q", "1 again", properties: properties)
        #expect(try fixture.drain("q") == ["1"])
        #expect(throws: BrokerError.self) {
            try fixture.declareQueue("q2", arguments: ["x-message-groups": .int32(1)])
        }
    }
}
