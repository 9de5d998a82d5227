import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@Suite struct CoreQueueLifecycleTests {
    @Test func declareReportsCountsAndPassiveChecksExistence() throws {
        let fixture = CoreFixture()
        #expect(try fixture.declareQueue("q") == QueueDeclareOK(queue: "q", messageCount: 0, consumerCount: 0))
        try fixture.publish("", "q")
        _ = try fixture.consume("q", RecordingConsumer(), prefetch: 1)
        try fixture.publish("", "q")
        let passive = try fixture.vhost.declareQueue(
            "q", durable: true, exclusive: true, autoDelete: true, arguments: ["x-message-ttl": .int32(5)],
            passive: true, owner: CoreFixture.owner
        )
        #expect(passive == QueueDeclareOK(queue: "q", messageCount: 1, consumerCount: 1))
        #expect(throws: BrokerError.notFound("no queue 'nope' in vhost '/'")) {
            try fixture.vhost.declareQueue(
                "nope", durable: false, exclusive: false, autoDelete: false, arguments: [:], passive: true,
                owner: CoreFixture.owner)
        }
    }

    @Test func redeclareEquivalence() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue(
            "q", durable: true, arguments: ["x-message-ttl": .int32(1000), "custom": .string("a")])
        try fixture.declareQueue(
            "q", durable: true, arguments: ["x-message-ttl": .int64(1000), "custom": .string("b")])
        let inequivalent = BrokerError.preconditionFailed("inequivalent arguments for queue 'q' in vhost '/'")
        #expect(throws: inequivalent) {
            try fixture.declareQueue("q", durable: false, arguments: ["x-message-ttl": .int32(1000)])
        }
        #expect(throws: inequivalent) {
            try fixture.declareQueue("q", durable: true, arguments: ["x-message-ttl": .int32(2000)])
        }
        #expect(throws: inequivalent) { try fixture.declareQueue("q", durable: true) }
        #expect(throws: inequivalent) {
            try fixture.declareQueue("q", durable: true, autoDelete: true, arguments: ["x-message-ttl": .int32(1000)])
        }
        #expect(throws: inequivalent) {
            try fixture.declareQueue("q", durable: true, exclusive: true, arguments: ["x-message-ttl": .int32(1000)])
        }
    }

    @Test(arguments: [
        ("x-message-ttl", FieldValue.int32(-1)),
        ("x-message-ttl", FieldValue.string("10")),
        ("x-expires", FieldValue.int32(0)),
        ("x-max-length", FieldValue.int32(-5)),
        ("x-max-length-bytes", FieldValue.boolean(true)),
        ("x-overflow", FieldValue.string("drop-tail")),
        ("x-dead-letter-exchange", FieldValue.int32(1)),
        ("x-queue-type", FieldValue.string("quorum")),
        ("x-queue-type", FieldValue.string("stream")),
    ])
    func badArgumentValuesAreRefused(key: String, value: FieldValue) throws {
        let fixture = CoreFixture()
        #expect(throws: BrokerError.self) { try fixture.declareQueue("q", arguments: [key: value]) }
        do {
            try fixture.declareQueue("q", arguments: [key: value])
        } catch {
            #expect(error.kind == .preconditionFailed)
        }
        #expect(fixture.vhost.queue(named: "q") == nil)
    }

    @Test func deadLetterRoutingKeyNeedsExchangeAndClassicIsAccepted() throws {
        let fixture = CoreFixture()
        #expect(throws: BrokerError.self) {
            try fixture.declareQueue("q", arguments: ["x-dead-letter-routing-key": .string("k")])
        }
        try fixture.declareQueue("q", arguments: ["x-queue-type": .string("classic")])
    }

    @Test func serverNamedQueues() throws {
        let fixture = CoreFixture()
        let first = try fixture.declareQueue("")
        let second = try fixture.declareQueue("")
        #expect(first.queue.hasPrefix("amq.gen-"))
        #expect(first.queue.count == "amq.gen-".count + 22)
        #expect(first.queue != second.queue)
        #expect(try fixture.publish("", first.queue) == .routed(queueCount: 1))
        #expect(throws: BrokerError.self) { try fixture.declareQueue("amq.mine") }
    }

    @Test func queueNameLengthIsLimited() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue(String(repeating: "q", count: 255))
        #expect(throws: BrokerError.self) { try fixture.declareQueue(String(repeating: "q", count: 256)) }
    }

    @Test func exclusiveQueueIsLockedToItsOwnerAndDeletedOnClose() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("ex", exclusive: true)
        try fixture.declareQueue("shared")
        let locked = BrokerError.resourceLocked("cannot obtain exclusive access to locked queue 'ex' in vhost '/'")
        #expect(throws: locked) { try fixture.declareQueue("ex", exclusive: true, owner: CoreFixture.other) }
        #expect(throws: locked) {
            try fixture.vhost.declareQueue(
                "ex", durable: false, exclusive: false, autoDelete: false, arguments: [:], passive: true,
                owner: CoreFixture.other)
        }
        #expect(throws: locked) { try fixture.consume("ex", RecordingConsumer(), owner: CoreFixture.other) }
        #expect(throws: locked) { try fixture.vhost.purgeQueue("ex", owner: CoreFixture.other) }
        #expect(throws: locked) {
            try fixture.vhost.deleteQueue("ex", ifUnused: false, ifEmpty: false, owner: CoreFixture.other)
        }
        #expect(throws: locked) { try fixture.vhost.get(queue: "ex", noAck: true, owner: CoreFixture.other) }
        #expect(throws: locked) {
            try fixture.vhost.bindQueue(
                "ex", exchange: "amq.direct", routingKey: "k", arguments: [:], owner: CoreFixture.other)
        }
        #expect(fixture.vhost.queue(named: "ex")?.exclusiveOwner == CoreFixture.owner)
        fixture.broker.connectionClosed(CoreFixture.other)
        #expect(fixture.vhost.queue(named: "ex") != nil)
        fixture.broker.connectionClosed(CoreFixture.owner)
        #expect(fixture.vhost.queue(named: "ex") == nil)
        #expect(fixture.vhost.queue(named: "shared") != nil)
        try fixture.declareQueue("ex", owner: CoreFixture.other)
    }

    @Test func autoDeleteQueueGoesWithLastConsumerOnlyAfterHavingOne() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("auto", autoDelete: true)
        try fixture.bind("auto", "amq.fanout", "")
        #expect(fixture.vhost.queue(named: "auto") != nil)
        let first = try fixture.consume("auto", RecordingConsumer(), tag: "a")
        let second = try fixture.consume("auto", RecordingConsumer(), tag: "b")
        first.cancel()
        #expect(fixture.vhost.queue(named: "auto") != nil)
        second.cancel()
        #expect(fixture.vhost.queue(named: "auto") == nil)
        #expect(try fixture.publish("amq.fanout", "") == .unroutable)
    }

    @Test func purgeRemovesReadyOnly() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        for index in 1...3 { try fixture.publish("", "q", "\(index)") }
        let held = try #require(try fixture.get("q"))
        #expect(try fixture.vhost.purgeQueue("q", owner: CoreFixture.owner) == 2)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.readyCount == 0)
        #expect(queue.unackedCount == 1)
        queue.reject([held.delivery.id], requeue: true)
        #expect(queue.readyCount == 1)
        #expect(throws: BrokerError.self) { try fixture.vhost.purgeQueue("missing", owner: CoreFixture.owner) }
    }

    @Test func deleteIfUnusedAndIfEmpty() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.publish("", "q")
        let subscription = try fixture.consume("q", RecordingConsumer(), prefetch: 1)
        try fixture.publish("", "q")
        #expect(throws: BrokerError.preconditionFailed("queue 'q' in vhost '/' in use")) {
            try fixture.vhost.deleteQueue("q", ifUnused: true, ifEmpty: false, owner: CoreFixture.owner)
        }
        subscription.cancel()
        #expect(throws: BrokerError.preconditionFailed("queue 'q' in vhost '/' not empty")) {
            try fixture.vhost.deleteQueue("q", ifUnused: true, ifEmpty: true, owner: CoreFixture.owner)
        }
        #expect(try fixture.vhost.deleteQueue("q", ifUnused: true, ifEmpty: false, owner: CoreFixture.owner) == 1)
        #expect(fixture.vhost.queue(named: "q") == nil)
        #expect(try fixture.vhost.deleteQueue("q", ifUnused: false, ifEmpty: false, owner: CoreFixture.owner) == 0)
    }

    @Test func deletingQueueCancelsConsumersAndDropsUnackedCredit() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.declareQueue("other")
        let pool = CreditPool(limit: 1)
        let consumer = RecordingConsumer()
        let otherConsumer = RecordingConsumer()
        let subscription = try fixture.consume("q", consumer, tag: "ctag", pool: pool)
        _ = try fixture.consume("other", otherConsumer, tag: "other", pool: pool)
        try fixture.publish("", "q", "held")
        try fixture.publish("", "other", "waiting")
        #expect(otherConsumer.deliveries.isEmpty)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(try fixture.vhost.deleteQueue("q", ifUnused: false, ifEmpty: false, owner: CoreFixture.owner) == 0)
        #expect(consumer.cancelledTags == ["ctag"])
        #expect(subscription.isCancelled)
        #expect(queue.isDeleted)
        #expect(queue.unackedCount == 0)
        #expect(otherConsumer.bodies == ["waiting"])
        queue.ack(consumer.ids)
        #expect(pool.inUse == 1)
        #expect(try fixture.publish("", "q") == .unroutable)
    }

    @Test func queueExpiresWhenUnused() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: ["x-expires": .int32(1000)])
        fixture.clock.advance(byMilliseconds: 600)
        try fixture.declareQueue("q", arguments: ["x-expires": .int32(1000)])
        fixture.clock.advance(byMilliseconds: 600)
        fixture.broker.expireMessages()
        #expect(fixture.vhost.queue(named: "q") != nil)
        let subscription = try fixture.consume("q", RecordingConsumer())
        fixture.clock.advance(byMilliseconds: 5000)
        fixture.broker.expireMessages()
        #expect(fixture.vhost.queue(named: "q") != nil)
        subscription.cancel()
        fixture.clock.advance(byMilliseconds: 1000)
        fixture.broker.expireMessages()
        #expect(fixture.vhost.queue(named: "q") == nil)
    }

    @Test func virtualHostsAreSeparate() throws {
        let fixture = CoreFixture()
        let other = fixture.broker.addVirtualHost("other")
        #expect(fixture.broker.addVirtualHost("other") === other)
        #expect(fixture.broker.virtualHosts.map(\.name) == ["/", "other"])
        try fixture.declareQueue("q")
        #expect(other.queue(named: "q") == nil)
        #expect(other.exchange(named: "amq.topic") != nil)
        #expect(fixture.broker.virtualHost("missing") == nil)
    }
}
