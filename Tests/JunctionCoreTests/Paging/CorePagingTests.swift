import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

/// Queues past their memory budget keep an index entry per message and the bodies on disk (the
/// queue store for persistent messages of durable queues, a spill log for the rest), and every
/// queue feature behaves as it does in memory.
@Suite struct CorePagingTests {
    let spillRoot = NSTemporaryDirectory() + "junction-paging-\(UUID().uuidString)"
    static let persistent = MessageProperties(deliveryMode: 2)

    func fixture(budget: Int = 4096, spill: Bool = true) -> CoreFixture {
        var configuration = BrokerConfiguration()
        configuration.queueMemoryBudgetBytes = budget
        return CoreFixture(configuration: configuration, spillRoot: spill ? self.spillRoot : nil)
    }

    static func body(_ index: Int) -> String {
        "message-" + String(format: "%06d", index) + "-" + String(repeating: "x", count: 80)
    }

    func publishAll(
        _ fixture: CoreFixture, _ queue: String, count: Int, properties: MessageProperties = .init()
    )
        throws
    {
        for index in 0..<count {
            try fixture.publish("", queue, Self.body(index), properties: properties)
        }
    }

    @Test func indexEntryIsAtMost64Bytes() throws {
        #expect(MemoryLayout<PagedMessage>.stride == 32)
        let fixture = self.fixture(budget: 1024)
        try fixture.declareQueue("q", durable: true)
        let count = 100_000
        try self.publishAll(fixture, "q", count: count, properties: Self.persistent)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.readyCount == count)
        #expect(queue.pagedMessageCount >= count - 20)
        // The index with its array's growth slack: 100,000 entries in at most 64 bytes each.
        let perMessage = Double(queue.pagedIndexBytes) / Double(queue.pagedMessageCount)
        #expect(perMessage <= 64, "index bytes per paged message: \(perMessage)")
        // Chunks of 4096 entries: no doubling slack, at most one partly filled chunk.
        #expect(perMessage <= 34, "index bytes per paged message: \(perMessage)")
        #expect(queue.pagedMessageBytes == queue.pagedMessageCount * Self.body(0).utf8.count)
    }

    @Test func durablePersistentMessagesPageToTheStoreAndDrainInOrder() throws {
        let fixture = self.fixture()
        try fixture.declareQueue("q", durable: true)
        try self.publishAll(fixture, "q", count: 1000, properties: Self.persistent)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.pagedMessageCount > 900)
        #expect(queue.readyCount == 1000)
        #expect(try fixture.drain("q") == (0..<1000).map(Self.body))
        #expect(queue.pagedMessageCount == 0)
        #expect(fixture.store.count(queue: QueueStoreKey(virtualHost: "/", queue: "q")) == 0)
    }

    @Test func transientMessagesSpillAndTheSpillLogGoesWithTheQueue() throws {
        let fixture = self.fixture()
        try fixture.declareQueue("t")
        try self.publishAll(fixture, "t", count: 1000)
        let queue = try #require(fixture.vhost.queue(named: "t"))
        #expect(queue.pagedMessageCount > 900)
        let spills = try FileManager.default.contentsOfDirectory(atPath: self.spillRoot)
        #expect(spills.count == 1)
        let consumer = RecordingConsumer()
        _ = try fixture.consume("t", consumer, noAck: true)
        #expect(consumer.bodies == (0..<1000).map(Self.body))
        try self.publishAll(fixture, "t", count: 200)
        _ = try fixture.vhost.deleteQueue("t", ifUnused: false, ifEmpty: false, owner: CoreFixture.owner)
        #expect(try FileManager.default.contentsOfDirectory(atPath: self.spillRoot).isEmpty)
    }

    @Test func withoutASpillDirectoryTransientMessagesStayInMemory() throws {
        let fixture = self.fixture(spill: false)
        try fixture.declareQueue("t")
        try self.publishAll(fixture, "t", count: 200)
        #expect(fixture.vhost.queue(named: "t")?.pagedMessageCount == 0)
        #expect(try fixture.drain("t") == (0..<200).map(Self.body))
    }

    @Test func mixedSourcesKeepTheirOrder() throws {
        let fixture = self.fixture()
        try fixture.declareQueue("q", durable: true)
        for index in 0..<600 {
            try fixture.publish(
                "", "q", Self.body(index),
                properties: index % 3 == 0 ? MessageProperties(deliveryMode: 1) : Self.persistent)
        }
        #expect(try fixture.drain("q") == (0..<600).map(Self.body))
    }

    @Test func requeuedMessagesGoBackToTheHeadOfAPagedQueue() throws {
        let fixture = self.fixture()
        try fixture.declareQueue("q")
        try self.publishAll(fixture, "q", count: 300)
        let first = try #require(try fixture.get("q"))
        let second = try #require(try fixture.get("q"))
        fixture.vhost.queue(named: "q")?.reject([first.delivery.id, second.delivery.id], requeue: true)
        #expect(try fixture.drain("q") == (0..<300).map(Self.body))
    }

    @Test func priorityLevelsPageSeparatelyAndKeepTheirOrder() throws {
        let fixture = self.fixture()
        try fixture.declareQueue("p", arguments: ["x-max-priority": .int32(3)])
        var expected: [[String]] = Array(repeating: [], count: 4)
        for index in 0..<800 {
            let priority = UInt8(index * 7 % 4)
            try fixture.publish("", "p", Self.body(index), properties: MessageProperties(priority: priority))
            expected[Int(priority)].append(Self.body(index))
        }
        #expect((fixture.vhost.queue(named: "p")?.pagedMessageCount ?? 0) > 700)
        #expect(try fixture.drain("p") == expected.reversed().flatMap { $0 })
    }

    @Test func expiredPagedMessagesAreDeadLetteredInOrder() throws {
        let fixture = self.fixture()
        try fixture.declareQueue("dead")
        try fixture.declareQueue(
            "q",
            arguments: [
                "x-message-ttl": .int32(100), "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string("dead"),
            ])
        try self.publishAll(fixture, "q", count: 500)
        fixture.clock.advance(byMilliseconds: 100)
        fixture.broker.expireMessages()
        #expect(fixture.vhost.queue(named: "q")?.readyCount == 0)
        #expect(try fixture.drain("dead") == (0..<500).map(Self.body))
    }

    @Test func maxLengthDropsPagedHeadsAndCountsPagedBytes() throws {
        let fixture = self.fixture()
        try fixture.declareQueue("dead")
        try fixture.declareQueue(
            "q",
            arguments: [
                "x-max-length": .int32(50), "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string("dead"),
            ])
        try self.publishAll(fixture, "q", count: 300)
        #expect(try fixture.drain("q") == (250..<300).map(Self.body))
        #expect(try fixture.drain("dead") == (0..<250).map(Self.body))

        try fixture.declareQueue(
            "bytes",
            arguments: [
                "x-max-length-bytes": .int32(Int32(Self.body(0).utf8.count * 100)),
                "x-overflow": .string("reject-publish"),
            ])
        try self.publishAll(fixture, "bytes", count: 150)
        #expect(fixture.vhost.queue(named: "bytes")?.readyCount == 100)
        #expect(try fixture.drain("bytes") == (0..<100).map(Self.body))
    }

    @Test func purgeSettlesPagedStoredMessagesWithoutReadingThem() throws {
        let fixture = self.fixture()
        try fixture.declareQueue("q", durable: true)
        try self.publishAll(fixture, "q", count: 500, properties: Self.persistent)
        #expect(try fixture.vhost.purgeQueue("q", owner: CoreFixture.owner) == 500)
        #expect(fixture.store.count(queue: QueueStoreKey(virtualHost: "/", queue: "q")) == 0)
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.readyCount == 0 && queue.pagedMessageCount == 0)
        try fixture.publish("", "q", "after", properties: Self.persistent)
        #expect(try fixture.drain("q") == ["after"])
    }

    @Test func deliveryLimitAndGroupsWorkOnPagedMessages() throws {
        let fixture = self.fixture()
        try fixture.declareQueue("g", arguments: ["x-message-groups": .boolean(true)])
        for index in 0..<300 {
            let headers: FieldTable = ["x-group-id": .string(index % 2 == 0 ? "even" : "odd")]
            try fixture.publish("", "g", Self.body(index), properties: MessageProperties(headers: headers))
        }
        let consumer = RecordingConsumer()
        _ = try fixture.consume("g", consumer)
        // One unacknowledged delivery per group at a time.
        #expect(consumer.bodies == [Self.body(0), Self.body(1)])
        var acked = 0
        while acked < consumer.ids.count {
            let ids = Array(consumer.ids[acked...])
            acked = consumer.ids.count
            fixture.vhost.queue(named: "g")?.ack(ids)
        }
        #expect(consumer.bodies.count == 300)
        let evens = consumer.bodies.filter { Int($0.split(separator: "-")[1])! % 2 == 0 }
        #expect(evens == stride(from: 0, to: 300, by: 2).map(Self.body))
        #expect(consumer.bodies.filter { !evens.contains($0) } == stride(from: 1, to: 300, by: 2).map(Self.body))
    }

    @Test func globalBudgetPagesEveryQueue() throws {
        var configuration = BrokerConfiguration()
        configuration.queueMemoryBudgetBytes = 1 << 20
        configuration.globalQueueMemoryBudgetBytes = 8192
        let fixture = CoreFixture(configuration: configuration, spillRoot: self.spillRoot)
        try fixture.declareQueue("a")
        try fixture.declareQueue("b")
        try self.publishAll(fixture, "a", count: 100)
        try self.publishAll(fixture, "b", count: 100)
        #expect((fixture.vhost.queue(named: "b")?.pagedMessageCount ?? 0) >= 99)
        #expect(try fixture.drain("a") == (0..<100).map(Self.body))
        #expect(try fixture.drain("b") == (0..<100).map(Self.body))
    }

    @Test func deduplicationQueuesDoNotPage() throws {
        let fixture = self.fixture()
        try fixture.declareQueue("d", arguments: ["x-message-deduplication": .boolean(true)])
        for index in 0..<200 {
            let headers: FieldTable = ["x-deduplication-header": .string("\(index)")]
            try fixture.publish("", "d", Self.body(index), properties: MessageProperties(headers: headers))
        }
        #expect(fixture.vhost.queue(named: "d")?.pagedMessageCount == 0)
        #expect(try fixture.vhost.purgeQueue("d", owner: CoreFixture.owner) == 200)
    }
}
