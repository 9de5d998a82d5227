import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

@Suite struct CoreStreamOffsetSpecTests {
    @Test func parsesWordsOffsetsAndTimestamps() throws {
        #expect(try StreamOffsetSpec(argument: nil) == .next)
        #expect(try StreamOffsetSpec(argument: .string("first")) == .first)
        #expect(try StreamOffsetSpec(argument: .string("last")) == .last)
        #expect(try StreamOffsetSpec(argument: .string("next")) == .next)
        #expect(try StreamOffsetSpec(argument: .int64(42)) == .offset(42))
        #expect(try StreamOffsetSpec(argument: .int8(7)) == .offset(7))
        // AMQP timestamps are seconds.
        #expect(
            try StreamOffsetSpec(argument: .timestamp(1_700_000_000)) == .timestamp(milliseconds: 1_700_000_000_000))
    }

    @Test func refusesUnknownWordsNegativeOffsetsAndOtherTypes() {
        for value: FieldValue in [.string("middle"), .int64(-1), .double(1.5), .boolean(true)] {
            #expect(throws: BrokerError.self) { try StreamOffsetSpec(argument: value) }
        }
    }
}

/// A broker whose streams live in a temporary directory (or in memory), on a manual clock.
final class StreamFixture {
    let clock = ManualBrokerClock()
    let directory: String
    let broker: Broker
    let vhost: VirtualHost
    static let owner = ConnectionID(1)

    init(directory: String? = nil, metadata: MetadataStore? = nil, inMemory: Bool = false) {
        self.directory = directory ?? (NSTemporaryDirectory() + "junction-stream-\(UInt64.random(in: 0...UInt64.max))")
        self.broker = Broker(
            clock: self.clock,
            logger: Logger(label: "core-stream-tests"),
            metadata: metadata,
            streamRoot: inMemory ? nil : self.directory + "/streams"
        )
        self.vhost = self.broker.virtualHost("/")!
    }

    func declare(_ name: String, _ arguments: FieldTable = [:]) throws {
        var table = arguments
        table["x-queue-type"] = .string("stream")
        _ = try self.vhost.declareQueue(
            name, durable: true, exclusive: false, autoDelete: false, arguments: table, passive: false,
            owner: Self.owner
        )
    }

    func publish(_ stream: String, _ bodies: some Sequence<Int>) throws {
        for index in bodies {
            _ = try self.vhost.publish(Message(exchange: "", routingKey: stream, body: ByteBuffer(string: "m\(index)")))
        }
    }

    func consume(
        _ stream: String,
        _ consumer: StreamRecordingConsumer,
        offset: FieldValue? = nil,
        group: String? = nil,
        prefetch: Int = 1000,
        tag: String = "c"
    ) throws -> StreamSubscription {
        var arguments: FieldTable = [:]
        if let offset { arguments["x-stream-offset"] = offset }
        if let group { arguments["x-consumer-group"] = .string(group) }
        let subscription = try self.vhost.consumeStream(
            stream, consumer: consumer, tag: tag, noAck: false, prefetch: prefetch, arguments: arguments,
            owner: Self.owner
        )
        subscription.resume()
        return subscription
    }

    func removeDirectory() {
        try? FileManager.default.removeItem(atPath: self.directory)
    }
}

@Suite struct CoreStreamDeliveryTests {
    @Test func deliversFromEachStartPointAndNeverRemoves() throws {
        let fixture = StreamFixture(inMemory: true)
        try fixture.declare("s")
        try fixture.publish("s", 0..<5)
        fixture.clock.advance(byMilliseconds: 10_000)
        try fixture.publish("s", 5..<10)
        let boundarySeconds = UInt64(fixture.clock.nowMilliseconds() / 1000)

        let first = StreamRecordingConsumer()
        _ = try fixture.consume("s", first, offset: .string("first"))
        #expect(first.offsets == Array(0..<10))
        #expect(first.bodies.first == "m0")

        let middle = StreamRecordingConsumer()
        _ = try fixture.consume("s", middle, offset: .int64(7))
        #expect(middle.offsets == [7, 8, 9])

        let byTime = StreamRecordingConsumer()
        _ = try fixture.consume("s", byTime, offset: .timestamp(boundarySeconds))
        #expect(byTime.offsets == Array(5..<10))

        let last = StreamRecordingConsumer()
        _ = try fixture.consume("s", last, offset: .string("last"))
        #expect(last.offsets == [9])

        let next = StreamRecordingConsumer()
        _ = try fixture.consume("s", next, offset: .string("next"))
        #expect(next.offsets.isEmpty)
        try fixture.publish("s", 10..<12)
        #expect(next.offsets == [10, 11])
        #expect(first.offsets == Array(0..<12))
        #expect(fixture.vhost.stream(named: "s")?.messageCount == 12)
    }

    @Test func prefetchIsTheCreditAndAcksReleaseIt() throws {
        let fixture = StreamFixture(inMemory: true)
        try fixture.declare("s")
        try fixture.publish("s", 0..<10)
        let consumer = StreamRecordingConsumer()
        let subscription = try fixture.consume("s", consumer, offset: .string("first"), prefetch: 3)
        #expect(consumer.offsets == [0, 1, 2])
        consumer.ackAll()
        #expect(consumer.offsets == [3, 4, 5])
        consumer.isReadyForDeliveries = false
        consumer.ackAll()
        #expect(consumer.offsets.isEmpty)
        consumer.isReadyForDeliveries = true
        subscription.resume()
        #expect(consumer.offsets == [6, 7, 8])
        subscription.prefetch = 5
        #expect(consumer.offsets == [6, 7, 8, 9])
    }

    @Test func refusesGetPurgeNoAckMissingPrefetchAndTransientStreams() throws {
        let fixture = StreamFixture(inMemory: true)
        try fixture.declare("s")
        #expect(
            throws: BrokerError.preconditionFailed("queue 's' in vhost '/' is a stream: basic.get is not supported")
        ) {
            _ = try fixture.vhost.get(queue: "s", noAck: false, owner: StreamFixture.owner)
        }
        #expect(throws: BrokerError.self) { _ = try fixture.vhost.purgeQueue("s", owner: StreamFixture.owner) }
        let consumer = StreamRecordingConsumer()
        #expect(throws: BrokerError.self) {
            _ = try fixture.vhost.consumeStream(
                "s", consumer: consumer, tag: "a", noAck: true, prefetch: 10, arguments: [:], owner: StreamFixture.owner
            )
        }
        #expect(throws: BrokerError.self) {
            _ = try fixture.vhost.consumeStream(
                "s", consumer: consumer, tag: "a", noAck: false, prefetch: 0, arguments: [:], owner: StreamFixture.owner
            )
        }
        #expect(throws: BrokerError.self) {
            _ = try fixture.vhost.declareQueue(
                "t", durable: false, exclusive: false, autoDelete: false,
                arguments: ["x-queue-type": .string("stream")], passive: false, owner: StreamFixture.owner
            )
        }
        #expect(throws: BrokerError.self) { try fixture.declare("u", ["x-max-age": .string("7W")]) }
    }
}

@Suite struct CoreStreamGroupTests {
    @Test func groupCommitsByAckAndFailsOverToTheNextMemberAtTheCommittedOffset() throws {
        let fixture = StreamFixture(inMemory: true)
        try fixture.declare("s")
        try fixture.publish("s", 0..<10)
        let first = StreamRecordingConsumer()
        let active = try fixture.consume("s", first, offset: .string("first"), group: "g", prefetch: 4, tag: "one")
        let second = StreamRecordingConsumer()
        _ = try fixture.consume("s", second, offset: .string("first"), group: "g", prefetch: 4, tag: "two")
        #expect(first.offsets == [0, 1, 2, 3])
        #expect(second.offsets.isEmpty)
        // Out-of-order acks commit only the contiguous prefix.
        let deliveries = first.deliveries
        active.settle(acked: [deliveries[0].id, deliveries[2].id])
        let stream = try #require(fixture.vhost.stream(named: "s"))
        #expect(stream.groups.first?.committedOffset == 0)
        active.settle(acked: [deliveries[1].id])
        #expect(
            stream.groups == [
                StreamGroupInfo(name: "g", committedOffset: 2, lag: 7, activeConsumerTag: "one", memberCount: 2)
            ])
        active.cancel()
        // Offset 3 was delivered but not acknowledged: the next member starts there.
        #expect(second.offsets == [3, 4, 5, 6])
        #expect(stream.groups.first?.activeConsumerTag == "two")
    }

    @Test func twoGroupsReadIndependently() throws {
        let fixture = StreamFixture(inMemory: true)
        try fixture.declare("s")
        try fixture.publish("s", 0..<6)
        let a = StreamRecordingConsumer()
        _ = try fixture.consume("s", a, offset: .string("first"), group: "a", tag: "a")
        let b = StreamRecordingConsumer()
        _ = try fixture.consume("s", b, offset: .int64(4), group: "b", tag: "b")
        a.ackAll()
        b.ackAll()
        let groups = try #require(fixture.vhost.stream(named: "s")).groups
        #expect(groups.map(\.committedOffset) == [5, 5])
        #expect(groups.map(\.lag) == [0, 0])
    }
}

@Suite struct CoreStreamStorageTests {
    @Test func retentionDeletesWholeSegmentsAndReadersContinueFromTheFirst() throws {
        let fixture = StreamFixture()
        defer { fixture.removeDirectory() }
        try fixture.declare("s", ["x-stream-max-segment-size-bytes": .int64(1024), "x-max-age": .string("10s")])
        try fixture.publish("s", 0..<100)
        fixture.clock.advance(byMilliseconds: 20_000)
        try fixture.publish("s", 100..<110)
        fixture.broker.expireMessages()
        let stream = try #require(fixture.vhost.stream(named: "s"))
        #expect(stream.firstOffset.rawValue > 0)
        #expect(stream.firstOffset.rawValue <= 100)
        let consumer = StreamRecordingConsumer()
        _ = try fixture.consume("s", consumer, offset: .int64(0))
        #expect(consumer.offsets.first == stream.firstOffset.rawValue)
        #expect(consumer.offsets.last == 109)
    }

    @Test func streamsAndCommittedOffsetsSurviveReopening() throws {
        let directory = NSTemporaryDirectory() + "junction-stream-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            let metadata = try MetadataStore(path: directory + "/metadata.sqlite")
            let fixture = StreamFixture(directory: directory, metadata: metadata)
            try fixture.declare("s")
            try fixture.publish("s", 0..<20)
            let consumer = StreamRecordingConsumer()
            _ = try fixture.consume("s", consumer, offset: .string("first"), group: "g", prefetch: 8)
            consumer.ackAll()
            // Offsets are written at group commit, not per ack.
            #expect(try metadata.consumerOffset(virtualHost: "/", stream: "s", group: "g") == nil)
            fixture.broker.durability.syncNow()
            #expect(try metadata.consumerOffset(virtualHost: "/", stream: "s", group: "g")?.offset == 7)
            fixture.broker.closeStreams()
            try metadata.close()
        }
        let metadata = try MetadataStore(path: directory + "/metadata.sqlite")
        let fixture = StreamFixture(directory: directory, metadata: metadata)
        try fixture.broker.restoreDefinitions()
        let stream = try #require(fixture.vhost.stream(named: "s"))
        #expect(stream.messageCount == 20)
        #expect(stream.groups.first?.committedOffset == 7)
        let consumer = StreamRecordingConsumer()
        _ = try fixture.consume("s", consumer, offset: .string("first"), group: "g", prefetch: 100)
        #expect(consumer.offsets == Array(8..<20))
        #expect(consumer.bodies.first == "m8")
        fixture.broker.closeStreams()
        try metadata.close()
    }
}
