import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import NIOCore
import Testing

extension StreamFixture {
    func declarePartitioned(_ name: String, partitions: Int, _ arguments: FieldTable = [:]) throws {
        var table = arguments
        table["x-partitions"] = .int32(Int32(partitions))
        try self.declare(name, table)
    }

    func publish(key: String, body: String, to exchange: String) throws {
        _ = try self.vhost.publish(Message(exchange: exchange, routingKey: key, body: ByteBuffer(string: body)))
    }

    func join(
        _ stream: String, _ consumer: StreamRecordingConsumer, group: String, tag: String, prefetch: Int = 1000,
        shared: Bool = false
    ) throws -> any StreamConsumerHandle {
        var arguments: FieldTable = ["x-consumer-group": .string(group), "x-stream-offset": .string("first")]
        if shared { arguments["x-consumer-group-type"] = .string("shared") }
        let handle = try self.vhost.subscribeStream(
            stream, consumer: consumer, tag: tag, noAck: false, prefetch: prefetch, arguments: arguments,
            owner: Self.owner, access: .trusted(virtualHost: "/"))
        handle.resume()
        return handle
    }
}

@Suite struct CorePartitionedStreamTests {
    @Test func declareCreatesPartitionsAndAnExchangeAndDeleteRemovesThem() throws {
        let fixture = StreamFixture(inMemory: true)
        try fixture.declarePartitioned("orders", partitions: 3, ["x-max-length-bytes": .int64(1_000_000)])
        for index in 0..<3 {
            let partition = try #require(fixture.vhost.stream(named: "orders-\(index)"))
            #expect(partition.partitionIndex == index)
            #expect(partition.queue.arguments["x-max-length-bytes"] == .int64(1_000_000))
        }
        #expect(fixture.vhost.stream(named: "orders-3") == nil)
        #expect(fixture.vhost.exchange(named: "orders")?.type == .partition)
        #expect(fixture.vhost.exchange(named: "orders")?.bindingCount == 3)
        // The same declaration again is fine; another partition count is not.
        try fixture.declarePartitioned("orders", partitions: 3, ["x-max-length-bytes": .int64(1_000_000)])
        #expect(throws: BrokerError.self) { try fixture.declarePartitioned("orders", partitions: 4) }
        // A partition alone cannot be deleted.
        #expect(throws: BrokerError.self) {
            _ = try fixture.vhost.deleteQueue("orders-1", ifUnused: false, ifEmpty: false, owner: StreamFixture.owner)
        }
        _ = try fixture.vhost.deleteQueue("orders", ifUnused: false, ifEmpty: false, owner: StreamFixture.owner)
        #expect(fixture.vhost.queue(named: "orders") == nil)
        #expect(fixture.vhost.queue(named: "orders-0") == nil)
        #expect(fixture.vhost.exchange(named: "orders") == nil)
    }

    @Test func keysGoWhereKafkaPutsThemAndEmptyKeysRoundRobin() throws {
        let fixture = StreamFixture(inMemory: true)
        try fixture.declarePartitioned("p", partitions: 6)
        for key in ["a", "key", "order-12345", "hello world"] {
            try fixture.publish(key: key, body: key, to: "p")
        }
        // From kafka-python (see KafkaPartitionerTests): a → 4, key → 1, order-12345 → 1, hello world → 1.
        let counts = (0..<6).map { fixture.vhost.stream(named: "p-\($0)")?.messageCount ?? -1 }
        #expect(counts == [0, 3, 0, 0, 1, 0])
        for index in 0..<12 { try fixture.publish(key: "", body: "rr\(index)", to: "p") }
        let after = (0..<6).map { fixture.vhost.stream(named: "p-\($0)")?.messageCount ?? -1 }
        #expect(after == [2, 5, 2, 2, 3, 2])
        // The queue 'p' itself holds nothing and cannot be bound or consumed without a group.
        #expect(throws: BrokerError.self) {
            try fixture.vhost.bindQueue(
                "p", exchange: "amq.direct", routingKey: "p", arguments: [:], owner: StreamFixture.owner)
        }
        #expect(throws: BrokerError.self) {
            _ = try fixture.vhost.subscribeStream(
                "p", consumer: StreamRecordingConsumer(), tag: "c", noAck: false, prefetch: 10, arguments: [:],
                owner: StreamFixture.owner, access: .trusted(virtualHost: "/"))
        }
    }

    @Test func membersShareThePartitionsAndAMovedPartitionResumesAtItsCommittedOffset() throws {
        let fixture = StreamFixture(inMemory: true)
        try fixture.declarePartitioned("p", partitions: 3)
        for index in 0..<30 { try fixture.publish(key: "k\(index)", body: "k\(index)", to: "p") }
        let perPartition = (0..<3).map { fixture.vhost.stream(named: "p-\($0)")?.messageCount ?? 0 }
        let first = StreamRecordingConsumer()
        let one = try fixture.join("p", first, group: "g", tag: "one")
        #expect(Set(first.deliveries.compactMap(\.partition)) == [0, 1, 2])
        #expect(first.deliveries.count == 30)
        first.ackAll()
        let partitioned = try #require(fixture.vhost.partitionedStream(named: "p"))
        let second = StreamRecordingConsumer()
        let two = try fixture.join("p", second, group: "g", tag: "two")
        var owners = try #require(partitioned.groups.first).partitions.map(\.owner)
        #expect(owners.filter { $0 == "one" }.count == 2)
        #expect(owners.filter { $0 == "two" }.count == 1)
        #expect(try #require(partitioned.groups.first).rebalanceCount == 2)
        // New messages go to the owner of their partition; 'two' leaves holding them unacked.
        for index in 0..<30 { try fixture.publish(key: "k\(index)", body: "again\(index)", to: "p") }
        let twoPartition = try #require(owners.firstIndex(of: "two"))
        #expect(second.deliveries.count == perPartition[twoPartition])
        #expect(second.deliveries.allSatisfy { $0.partition == twoPartition && !$0.redelivered })
        first.ackAll()
        two.cancel()
        owners = try #require(partitioned.groups.first).partitions.map(\.owner)
        #expect(owners == ["one", "one", "one"])
        // 'one' gets the partition 'two' held, from its committed offset: everything 'two' had, redelivered.
        #expect(first.deliveries.count == perPartition[twoPartition])
        #expect(first.deliveries.allSatisfy { $0.partition == twoPartition && $0.redelivered })
        first.ackAll()
        let info = try #require(partitioned.groups.first)
        #expect(info.partitions.map(\.lag) == [0, 0, 0])
        #expect(info.partitions.map(\.committedOffset) == perPartition.map { Int64(2 * $0 - 1) })
        one.cancel()
        #expect(partitioned.groups.isEmpty)
    }

    @Test func partitionedStreamsAndTheirGroupsSurviveARestart() throws {
        let directory = NSTemporaryDirectory() + "junction-partitions-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            let metadata = try MetadataStore(path: directory + "/metadata.sqlite")
            let fixture = StreamFixture(directory: directory, metadata: metadata)
            try fixture.declarePartitioned("p", partitions: 2)
            for index in 0..<10 { try fixture.publish(key: "k\(index)", body: "m\(index)", to: "p") }
            let consumer = StreamRecordingConsumer()
            _ = try fixture.join("p", consumer, group: "g", tag: "one")
            consumer.ackAll()
            fixture.broker.durability.syncNow()
            fixture.broker.closeStreams()
            try metadata.close()
        }
        let metadata = try MetadataStore(path: directory + "/metadata.sqlite")
        let fixture = StreamFixture(directory: directory, metadata: metadata)
        try fixture.broker.restoreDefinitions()
        let partitioned = try #require(fixture.vhost.partitionedStream(named: "p"))
        #expect(partitioned.messageCount == 10)
        #expect(fixture.vhost.exchange(named: "p")?.bindingCount == 2)
        try fixture.publish(key: "k1", body: "after", to: "p")
        let consumer = StreamRecordingConsumer()
        _ = try fixture.join("p", consumer, group: "g", tag: "one")
        #expect(consumer.bodies == ["after"])
        #expect(throws: BrokerError.self) { try fixture.declarePartitioned("p", partitions: 3) }
        fixture.broker.closeStreams()
        try metadata.close()
    }
}
