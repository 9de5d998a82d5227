import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

/// `x-message-deduplication` with `x-deduplication-header`: a duplicate is dropped as a successful
/// publish; without `x-cache-ttl` an id counts while its message is in the queue (the community
/// plugin's queues), with it for a time window; `x-cache-size` bounds the ids.
@Suite struct CoreDeduplicationTests {
    static let dedup: FieldTable = ["x-message-deduplication": .boolean(true)]

    static func withID(_ id: String, persistent: Bool = false) -> MessageProperties {
        MessageProperties(headers: ["x-deduplication-header": .string(id)], deliveryMode: persistent ? 2 : nil)
    }

    @Test func aDuplicateOfAQueuedMessageIsDroppedAsASuccessfulPublish() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.dedup)
        #expect(try fixture.publish("", "q", "a", properties: Self.withID("1")) == .routed(queueCount: 1))
        #expect(try fixture.publish("", "q", "b", properties: Self.withID("1")) == .routed(queueCount: 1))
        try fixture.publish("", "q", "c", properties: Self.withID("2"))
        try fixture.publish("", "q", "no id")
        try fixture.publish("", "q", "no id again")
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.statistics.deduplicated == 1)
        #expect(try fixture.drain("q") == ["a", "c", "no id", "no id again"])
    }

    @Test func anIDCountsUntilItsMessageIsAcknowledgedNotWhileRequeued() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.dedup)
        try fixture.publish("", "q", "a", properties: Self.withID("1"))
        let first = try #require(try fixture.get("q"))
        try fixture.publish("", "q", "dup while unacked", properties: Self.withID("1"))
        let queue = try #require(fixture.vhost.queue(named: "q"))
        queue.reject([first.delivery.id], requeue: true)
        try fixture.publish("", "q", "dup while requeued", properties: Self.withID("1"))
        let again = try #require(try fixture.get("q"))
        #expect(String(buffer: again.delivery.message.body) == "a")
        queue.ack([again.delivery.id])
        try fixture.publish("", "q", "after ack", properties: Self.withID("1"))
        #expect(try fixture.drain("q") == ["after ack"])
        // The no-ack get above settled it: the id is free again.
        try fixture.publish("", "q", "after no-ack get", properties: Self.withID("1"))
        #expect(try fixture.drain("q") == ["after no-ack get"])
    }

    @Test func purgeExpiryAndDeadLetteringForgetTheID() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.dedup.merging(["x-message-ttl": .int32(100)]))
        try fixture.publish("", "q", "a", properties: Self.withID("1"))
        #expect(try fixture.vhost.purgeQueue("q", owner: CoreFixture.owner) == 1)
        try fixture.publish("", "q", "b", properties: Self.withID("1"))
        fixture.clock.advance(byMilliseconds: 100)
        fixture.broker.expireMessages()
        try fixture.publish("", "q", "c", properties: Self.withID("1"))
        #expect(try fixture.drain("q") == ["c"])
    }

    @Test func withATimeWindowAnIDCountsForTheWindowEvenAfterConsumption() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.dedup.merging(["x-cache-ttl": .int32(300_000)]))
        try fixture.publish("", "q", "a", properties: Self.withID("m"))
        #expect(try fixture.drain("q") == ["a"])
        fixture.clock.advance(byMilliseconds: 299_999)
        try fixture.publish("", "q", "dup", properties: Self.withID("m"))
        #expect(try fixture.drain("q").isEmpty)
        fixture.clock.advance(byMilliseconds: 1)
        try fixture.publish("", "q", "b", properties: Self.withID("m"))
        #expect(try fixture.drain("q") == ["b"])
    }

    @Test func theCacheSizeForgetsTheOldestIDFirst() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: Self.dedup.merging(["x-cache-size": .int32(2)]))
        for id in ["1", "2", "3"] {
            try fixture.publish("", "q", id, properties: Self.withID(id))
        }
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.deduplicationCacheCount == 2)
        try fixture.publish("", "q", "3 again", properties: Self.withID("3"))
        try fixture.publish("", "q", "1 again", properties: Self.withID("1"))
        #expect(try fixture.drain("q") == ["1", "2", "3", "1 again"])
    }

    @Test func aRefusedPublishDoesNotMakeItsRetryADuplicate() throws {
        let fixture = CoreFixture()
        let arguments = Self.dedup.merging(["x-max-length": .int32(1), "x-overflow": .string("reject-publish")])
        try fixture.declareQueue("q", arguments: arguments)
        try fixture.publish("", "q", "a", properties: Self.withID("1"))
        #expect(try fixture.publish("", "q", "b", properties: Self.withID("2")) == .routed(queueCount: 0))
        #expect(try fixture.drain("q") == ["a"])
        #expect(try fixture.publish("", "q", "b", properties: Self.withID("2")) == .routed(queueCount: 1))
    }

    @Test func aDurableQueueRebuildsItsCacheFromTheLogAtRestart() throws {
        let store = InMemoryQueueStore()
        do {
            let before = CoreFixture(store: store)
            try before.declareQueue("d", durable: true, arguments: Self.dedup)
            try before.publish("", "d", "a", properties: Self.withID("1", persistent: true))
            try before.publish("", "d", "b", properties: Self.withID("2", persistent: true))
            let first = try #require(try before.get("d"))
            before.vhost.queue(named: "d")?.ack([first.delivery.id])
        }
        let after = CoreFixture(store: store)
        try after.declareQueue("d", durable: true, arguments: Self.dedup)
        try after.publish("", "d", "dup of b", properties: Self.withID("2", persistent: true))
        try after.publish("", "d", "a again", properties: Self.withID("1", persistent: true))
        #expect(try after.drain("d") == ["b", "a again"])
    }

    @Test func theDeduplicationExchangeRoutesLikeFanoutOncePerIDWithinItsWindow() throws {
        let fixture = CoreFixture()
        try fixture.declareExchange(
            "dx", type: "x-message-deduplication",
            arguments: ["x-cache-size": .string("10"), "x-cache-ttl": .int32(1000)])
        try fixture.declareQueue("q1")
        try fixture.declareQueue("q2")
        try fixture.bind("q1", "dx", "ignored")
        try fixture.bind("q2", "dx", "")
        #expect(try fixture.publish("dx", "k", "a", properties: Self.withID("1")) == .routed(queueCount: 2))
        #expect(try fixture.publish("dx", "k", "dup", properties: Self.withID("1")) == .unroutable)
        #expect(try fixture.publish("dx", "k", "no id") == .routed(queueCount: 2))
        fixture.clock.advance(byMilliseconds: 1000)
        #expect(try fixture.publish("dx", "k", "after", properties: Self.withID("1")) == .routed(queueCount: 2))
        // A message header x-cache-ttl overrides the exchange's, as in the plugin.
        var short = Self.withID("2")
        short.headers?["x-cache-ttl"] = .int32(10)
        try fixture.publish("dx", "k", "short", properties: short)
        fixture.clock.advance(byMilliseconds: 10)
        #expect(try fixture.publish("dx", "k", "short again", properties: Self.withID("2")) == .routed(queueCount: 2))
        #expect(try fixture.drain("q1") == ["a", "no id", "after", "short", "short again"])
        #expect(fixture.vhost.exchange(named: "dx")?.deduplicationCacheCount == 2)
    }

    @Test func theDeduplicationExchangeNeedsASizeAndKeepsItsCacheInMemory() {
        let fixture = CoreFixture()
        let bad: [FieldTable] = [
            [:], ["x-cache-size": .int32(0)], ["x-cache-size": .int64(100_001)],
            ["x-cache-size": .int32(5), "x-cache-persistence": .string("disk")],
        ]
        for arguments in bad {
            let refusal = #expect(throws: BrokerError.self) {
                try fixture.declareExchange("dx", type: "x-message-deduplication", arguments: arguments)
            }
            #expect(refusal?.kind == .preconditionFailed)
        }
        #expect(throws: Never.self) {
            try fixture.declareExchange(
                "dx", type: "x-message-deduplication",
                arguments: ["x-cache-size": .int32(5), "x-cache-persistence": .string("memory")])
        }
    }

    @Test func badArgumentsAreRefused() {
        let fixture = CoreFixture()
        let bad: [FieldTable] = [
            ["x-message-deduplication": .string("yes")],
            ["x-cache-size": .int32(10)],
            Self.dedup.merging(["x-cache-size": .int32(0)]),
            Self.dedup.merging(["x-cache-ttl": .string("soon")]),
            Self.dedup.merging(["x-cache-size": .int64(100_001)]),
            ["x-queue-type": .string("stream"), "x-message-deduplication": .boolean(true)],
        ]
        for arguments in bad {
            #expect(throws: BrokerError.self) { try fixture.declareQueue("q", durable: true, arguments: arguments) }
        }
        #expect(throws: Never.self) {
            try fixture.declareQueue("ok", arguments: Self.dedup.merging(["x-cache-size": .string("5")]))
        }
    }
}

extension FieldTable {
    func merging(_ other: FieldTable) -> FieldTable {
        var merged = self
        for (key, value) in other { merged[key] = value }
        return merged
    }
}
