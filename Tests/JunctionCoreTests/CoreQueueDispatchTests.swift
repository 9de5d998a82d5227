import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@Suite struct CoreQueueDispatchTests {
    @Test func roundRobinAmongConsumers() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let a = RecordingConsumer()
        let b = RecordingConsumer()
        let c = RecordingConsumer()
        _ = try fixture.consume("q", a, tag: "a", noAck: true)
        _ = try fixture.consume("q", b, tag: "b", noAck: true)
        _ = try fixture.consume("q", c, tag: "c", noAck: true)
        for index in 1...7 { try fixture.publish("", "q", "\(index)") }
        #expect(a.bodies == ["1", "4", "7"])
        #expect(b.bodies == ["2", "5"])
        #expect(c.bodies == ["3", "6"])
    }

    @Test func roundRobinSkipsConsumersWithoutCredit() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let a = RecordingConsumer()
        let b = RecordingConsumer()
        _ = try fixture.consume("q", a, tag: "a", prefetch: 1)
        _ = try fixture.consume("q", b, tag: "b", prefetch: 0)
        for index in 1...4 { try fixture.publish("", "q", "\(index)") }
        #expect(a.bodies == ["1"])
        #expect(b.bodies == ["2", "3", "4"])
    }

    @Test func consumeDoesNotDeliverUntilResumed() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.publish("", "q", "waiting")
        let consumer = RecordingConsumer()
        let subscription = try fixture.vhost.consume(
            queue: "q", consumer: consumer, tag: "c", noAck: true, exclusive: false,
            prefetch: 0, sharedCredit: nil, arguments: [:], owner: CoreFixture.owner
        )
        #expect(consumer.deliveries.isEmpty)
        subscription.resume()
        #expect(consumer.bodies == ["waiting"])
    }

    @Test func prefetchBoundsUnackedAndAckResumes() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let consumer = RecordingConsumer()
        var maxUnacked = 0
        let subscription = try fixture.consume("q", consumer, prefetch: 2)
        consumer.onDeliver = { _, subscription in maxUnacked = max(maxUnacked, subscription.unackedCount) }
        for index in 1...5 { try fixture.publish("", "q", "\(index)") }
        #expect(consumer.bodies == ["1", "2"])
        #expect(subscription.unackedCount == 2)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.readyCount == 3)
        #expect(queue.unackedCount == 2)
        queue.ack([consumer.ids[0]])
        #expect(consumer.bodies == ["1", "2", "3"])
        queue.ack(consumer.ids)
        #expect(consumer.bodies == ["1", "2", "3", "4", "5"])
        queue.ack(consumer.ids)
        #expect(queue.unackedCount == 0)
        #expect(subscription.unackedCount == 0)
        #expect(maxUnacked <= 2)
    }

    @Test func ackingUnknownOrSettledIdsIsIgnored() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let consumer = RecordingConsumer()
        let subscription = try fixture.consume("q", consumer, prefetch: 1)
        try fixture.publish("", "q", "1")
        try fixture.publish("", "q", "2")
        let queue = try #require(fixture.vhost.queue(named: "q"))
        queue.ack([consumer.ids[0], consumer.ids[0], DeliveryID(999)])
        #expect(subscription.unackedCount == 1)
        #expect(consumer.bodies == ["1", "2"])
    }

    @Test func raisingPrefetchResumesDelivery() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let consumer = RecordingConsumer()
        let subscription = try fixture.consume("q", consumer, prefetch: 1)
        for index in 1...3 { try fixture.publish("", "q", "\(index)") }
        #expect(consumer.bodies == ["1"])
        subscription.prefetch = 3
        #expect(consumer.bodies == ["1", "2", "3"])
    }

    @Test func sharedCreditPoolAcrossTwoQueues() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q1")
        try fixture.declareQueue("q2")
        let pool = CreditPool(limit: 2)
        let c1 = RecordingConsumer()
        let c2 = RecordingConsumer()
        _ = try fixture.consume("q1", c1, tag: "c1", pool: pool)
        _ = try fixture.consume("q2", c2, tag: "c2", pool: pool)
        for index in 1...3 { try fixture.publish("", "q1", "a\(index)") }
        for index in 1...3 { try fixture.publish("", "q2", "b\(index)") }
        #expect(c1.bodies == ["a1", "a2"])
        #expect(c2.bodies.isEmpty)
        #expect(pool.inUse == 2)
        // Released credit goes to the pool's members in subscription order: q1 still has a message.
        fixture.vhost.queue(named: "q1")?.ack([c1.ids[0]])
        #expect(c1.bodies == ["a1", "a2", "a3"])
        #expect(pool.inUse == 2)
        fixture.vhost.queue(named: "q1")?.ack(c1.ids)
        #expect(c2.bodies == ["b1", "b2"])
        #expect(pool.inUse == 2)
        fixture.vhost.queue(named: "q2")?.ack(c2.ids)
        #expect(c2.bodies == ["b1", "b2", "b3"])
        #expect(pool.inUse == 1)
    }

    @Test func creditPoolReleaseOnOtherQueueResumesBlockedQueue() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q1")
        try fixture.declareQueue("q2")
        let pool = CreditPool(limit: 1)
        let c1 = RecordingConsumer()
        let c2 = RecordingConsumer()
        _ = try fixture.consume("q1", c1, tag: "c1", pool: pool)
        _ = try fixture.consume("q2", c2, tag: "c2", pool: pool)
        try fixture.publish("", "q1", "a")
        try fixture.publish("", "q2", "b")
        #expect(c2.bodies.isEmpty)
        fixture.vhost.queue(named: "q1")?.ack(c1.ids)
        #expect(c2.bodies == ["b"])
        pool.limit = 0
        try fixture.publish("", "q1", "a2")
        try fixture.publish("", "q1", "a3")
        #expect(c1.bodies == ["a", "a2", "a3"])
    }

    @Test func noAckSubscriptionsHoldNoCredit() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let pool = CreditPool(limit: 1)
        let consumer = RecordingConsumer()
        let subscription = try fixture.consume("q", consumer, noAck: true, prefetch: 1, pool: pool)
        for index in 1...3 { try fixture.publish("", "q", "\(index)") }
        #expect(consumer.bodies == ["1", "2", "3"])
        #expect(pool.inUse == 0)
        #expect(subscription.unackedCount == 0)
        #expect(fixture.vhost.queue(named: "q")?.unackedCount == 0)
    }

    @Test func backPressureHoldsDeliveriesUntilResume() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let consumer = RecordingConsumer()
        consumer.isReadyForDeliveries = false
        let subscription = try fixture.consume("q", consumer, noAck: true)
        try fixture.publish("", "q", "1")
        try fixture.publish("", "q", "2")
        #expect(consumer.deliveries.isEmpty)
        consumer.isReadyForDeliveries = true
        subscription.resume()
        #expect(consumer.bodies == ["1", "2"])
    }

    @Test func consumerAckingInsideDeliverKeepsFlowing() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let consumer = RecordingConsumer()
        consumer.onDeliver = { delivery, _ in delivery.queue.ack([delivery.id]) }
        _ = try fixture.consume("q", consumer, prefetch: 1)
        for index in 1...4 { try fixture.publish("", "q", "\(index)") }
        #expect(consumer.bodies == ["1", "2", "3", "4"])
        #expect(fixture.vhost.queue(named: "q")?.unackedCount == 0)
    }

    @Test func ackMultipleSettlesAllGivenIds() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let consumer = RecordingConsumer()
        _ = try fixture.consume("q", consumer)
        for index in 1...4 { try fixture.publish("", "q", "\(index)") }
        let queue = try #require(fixture.vhost.queue(named: "q"))
        queue.ack(consumer.ids.filter { $0 <= consumer.ids[2] })
        #expect(queue.unackedCount == 1)
        #expect(consumer.ids == consumer.ids.sorted())
    }

    @Test func rejectWithRequeueRedeliversInOriginalOrder() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        for index in 1...4 { try fixture.publish("", "q", "\(index)") }
        let first = try #require(try fixture.get("q"))
        let second = try #require(try fixture.get("q"))
        let third = try #require(try fixture.get("q"))
        #expect(first.delivery.deliveryCount == 1)
        #expect(!first.delivery.redelivered)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        queue.reject([third.delivery.id, first.delivery.id], requeue: true)
        #expect(queue.readyCount == 3)
        let again = try #require(try fixture.get("q", noAck: true))
        #expect(String(buffer: again.delivery.message.body) == "1")
        #expect(again.delivery.redelivered)
        #expect(again.delivery.deliveryCount == 2)
        #expect(try fixture.drain("q") == ["3", "4"])
        queue.reject([second.delivery.id], requeue: true)
        let secondAgain = try #require(try fixture.get("q"))
        #expect(secondAgain.delivery.redelivered)
        queue.reject([secondAgain.delivery.id], requeue: true)
        let thirdTime = try #require(try fixture.get("q"))
        #expect(thirdTime.delivery.deliveryCount == 3)
    }

    @Test func rejectWithoutRequeueDropsWithoutDLX() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let consumer = RecordingConsumer()
        _ = try fixture.consume("q", consumer)
        try fixture.publish("", "q", "1")
        let queue = try #require(fixture.vhost.queue(named: "q"))
        queue.reject(consumer.ids, requeue: false)
        #expect(queue.readyCount == 0)
        #expect(queue.unackedCount == 0)
        #expect(consumer.deliveries.count == 1)
    }

    @Test func requeuedMessageGoesToNextConsumerWithCredit() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let consumer = RecordingConsumer()
        _ = try fixture.consume("q", consumer, prefetch: 1)
        try fixture.publish("", "q", "1")
        try fixture.publish("", "q", "2")
        fixture.vhost.queue(named: "q")?.reject([consumer.ids[0]], requeue: true)
        #expect(consumer.bodies == ["1", "1"])
        #expect(consumer.deliveries[1].redelivered)
        #expect(consumer.deliveries[1].deliveryCount == 2)
    }

    @Test func requeueAllOfSubscriptionReturnsItsDeliveries() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let a = RecordingConsumer()
        let subscription = try fixture.consume("q", a, tag: "a")
        for index in 1...3 { try fixture.publish("", "q", "\(index)") }
        subscription.cancel()
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.unackedCount == 3)
        #expect(queue.unackedDeliveries(of: subscription) == a.ids)
        queue.requeueAll(of: subscription)
        #expect(queue.unackedCount == 0)
        #expect(try fixture.drain("q") == ["1", "2", "3"])
    }

    @Test func cancelledSubscriptionKeepsCreditUntilSettled() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let pool = CreditPool(limit: 1)
        let a = RecordingConsumer()
        let b = RecordingConsumer()
        let first = try fixture.consume("q", a, tag: "a", pool: pool)
        try fixture.publish("", "q", "1")
        first.cancel()
        _ = try fixture.consume("q", b, tag: "b", pool: pool)
        try fixture.publish("", "q", "2")
        #expect(b.deliveries.isEmpty)
        fixture.vhost.queue(named: "q")?.ack(a.ids)
        #expect(b.bodies == ["2"])
        #expect(first.isCancelled)
    }

    @Test func basicGetReportsRemainingAndEmpty() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        #expect(try fixture.get("q") == nil)
        for index in 1...3 { try fixture.publish("", "q", "\(index)") }
        let result = try #require(try fixture.get("q"))
        #expect(result.messageCount == 2)
        #expect(String(buffer: result.delivery.message.body) == "1")
        #expect(fixture.vhost.queue(named: "q")?.unackedCount == 1)
        let noAck = try #require(try fixture.get("q", noAck: true))
        #expect(noAck.messageCount == 1)
        #expect(fixture.vhost.queue(named: "q")?.unackedCount == 1)
        #expect(throws: BrokerError.notFound("no queue 'missing' in vhost '/'")) { try fixture.get("missing") }
    }

    @Test func deliveryIDsAreMonotonicPerQueue() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let consumer = RecordingConsumer()
        _ = try fixture.consume("q", consumer)
        for index in 1...3 { try fixture.publish("", "q", "\(index)") }
        #expect(consumer.ids == [DeliveryID(1), DeliveryID(2), DeliveryID(3)])
        #expect(consumer.deliveries.allSatisfy { $0.queue === fixture.vhost.queue(named: "q") })
    }

    @Test func exclusiveConsumerRules() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let a = RecordingConsumer()
        let exclusive = try fixture.consume("q", a, tag: "a", exclusive: true)
        #expect(throws: BrokerError.accessRefused("queue 'q' in vhost '/' in exclusive use")) {
            try fixture.consume("q", RecordingConsumer(), tag: "b")
        }
        exclusive.cancel()
        _ = try fixture.consume("q", RecordingConsumer(), tag: "b")
        #expect(throws: BrokerError.accessRefused("queue 'q' in vhost '/' in exclusive use")) {
            try fixture.consume("q", RecordingConsumer(), tag: "c", exclusive: true)
        }
    }
}
