import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Testing

@Suite struct CoreStreamGroupResetTests {
    /// A stream of 10 messages (offsets 0-9) whose group "g" processed 0-5 and has no member left.
    private func processedThroughFive() throws -> (StreamFixture, StreamQueue) {
        let fixture = StreamFixture(inMemory: true)
        try fixture.declare("s")
        try fixture.publish("s", 0..<10)
        let consumer = StreamRecordingConsumer()
        let subscription = try fixture.consume("s", consumer, offset: .string("first"), group: "g", prefetch: 6)
        consumer.ackAll()
        subscription.cancel()
        let stream = try #require(fixture.vhost.stream(named: "s"))
        #expect(stream.groups.first?.committedOffset == 5)
        return (fixture, stream)
    }

    /// Where the group's next member starts reading.
    private func nextRead(_ fixture: StreamFixture) throws -> [Int64] {
        let consumer = StreamRecordingConsumer()
        let subscription = try fixture.consume("s", consumer, group: "g", tag: "probe")
        defer { subscription.cancel() }
        return consumer.offsets
    }

    @Test func resetsToEarliestLatestAnOffsetAndATime() throws {
        let (fixture, stream) = try self.processedThroughFive()
        let earliest = try stream.resetGroup("g", to: .earliest, force: false)
        #expect(earliest.previousCommittedOffset == 5)
        #expect(earliest.nextOffset == 0 && earliest.committedOffset == -1)
        #expect(stream.groups.first?.lag == 10)
        #expect(try self.nextRead(fixture) == Array(0..<10))

        let latest = try stream.resetGroup("g", to: .latest, force: false)
        #expect(latest.nextOffset == 10)
        #expect(stream.groups.first?.lag == 0)
        #expect(try self.nextRead(fixture) == [])

        #expect(try stream.resetGroup("g", to: .offset(7), force: false).nextOffset == 7)
        #expect(try self.nextRead(fixture) == [7, 8, 9])
        // Past the end: the end; the stream keeps what it has.
        #expect(try stream.resetGroup("g", to: .offset(99), force: false).nextOffset == 10)

        // Every message was stored at the clock's time: a time after it reads nothing, one before it all.
        let stored = Int64(fixture.clock.nowMilliseconds())
        #expect(try stream.resetGroup("g", to: .timestamp(milliseconds: stored + 1), force: false).nextOffset == 10)
        #expect(try stream.resetGroup("g", to: .timestamp(milliseconds: stored - 1), force: false).nextOffset == 0)
        #expect(throws: BrokerError.self) { try stream.resetGroup("g", to: .offset(-1), force: false) }
    }

    @Test func aGroupWithMembersIsResetOnlyWithForce() throws {
        let (fixture, stream) = try self.processedThroughFive()
        let member = StreamRecordingConsumer()
        _ = try fixture.consume("s", member, group: "g", prefetch: 2, tag: "member")
        #expect(member.offsets == [6, 7])
        #expect {
            try stream.resetGroup("g", to: .earliest, force: false)
        } throws: { error in
            (error as? BrokerError)?.kind == .resourceLocked
        }
        #expect(stream.groups.first?.committedOffset == 5)

        let reset = try stream.resetGroup("g", to: .offset(2), force: true)
        #expect(reset.nextOffset == 2)
        // The active member goes on from the new offset at once (its credit is free again) ...
        #expect(member.offsets == [6, 7, 2, 3])
        // ... and its acks of what it held before the reset commit nothing.
        let held = member.deliveries.prefix(2)
        for delivery in held { delivery.subscription.settle(acked: [delivery.id]) }
        #expect(stream.groups.first?.committedOffset == 1)
        let after = member.deliveries.suffix(2)
        for delivery in after { delivery.subscription.settle(acked: [delivery.id]) }
        #expect(stream.groups.first?.committedOffset == 3)
    }

    @Test func aSharedGroupIsResetOnlyWithoutMembers() throws {
        let fixture = StreamFixture(inMemory: true)
        try fixture.declare("s")
        try fixture.publish("s", 0..<6)
        let consumer = StreamRecordingConsumer()
        let member = try fixture.vhost.consumeStream(
            "s", consumer: consumer, tag: "shared", noAck: false, prefetch: 2,
            arguments: [
                "x-stream-offset": .string("first"), "x-consumer-group": .string("g"),
                "x-consumer-group-type": .string("shared"),
            ],
            owner: StreamFixture.owner)
        member.resume()
        #expect(consumer.offsets == [0, 1])
        let stream = try #require(fixture.vhost.stream(named: "s"))
        #expect(throws: BrokerError.self) { try stream.resetGroup("g", to: .latest, force: true) }
        member.cancel()
        #expect(try stream.resetGroup("g", to: .offset(4), force: false).nextOffset == 4)
        #expect(stream.groups.first?.isShared == true)
        let next = StreamRecordingConsumer()
        _ = try fixture.vhost.consumeStream(
            "s", consumer: next, tag: "shared-2", noAck: false, prefetch: 10,
            arguments: ["x-consumer-group": .string("g"), "x-consumer-group-type": .string("shared")],
            owner: StreamFixture.owner
        ).resume()
        #expect(next.offsets == [4, 5])
    }

    @Test func anUnknownGroupIsCreatedAtTheResetOffset() throws {
        let fixture = StreamFixture(inMemory: true)
        try fixture.declare("s")
        try fixture.publish("s", 0..<5)
        let stream = try #require(fixture.vhost.stream(named: "s"))
        let reset = try stream.resetGroup("new", to: .offset(3), force: false)
        #expect(reset.previousCommittedOffset == nil)
        #expect(stream.groups.map(\.name) == ["new"])
        let consumer = StreamRecordingConsumer()
        _ = try fixture.consume("s", consumer, offset: .string("first"), group: "new")
        #expect(consumer.offsets == [3, 4])
    }

    @Test func aResetIsStoredAtTheNextGroupCommit() throws {
        let directory = NSTemporaryDirectory() + "junction-reset-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let metadata = try MetadataStore(path: directory + "/metadata.sqlite")
        let fixture = StreamFixture(directory: directory, metadata: metadata)
        try fixture.declare("s")
        try fixture.publish("s", 0..<10)
        let stream = try #require(fixture.vhost.stream(named: "s"))
        _ = try stream.resetGroup("g", to: .offset(4), force: false)
        fixture.broker.durability.syncNow()
        #expect(try metadata.consumerOffset(virtualHost: "/", stream: "s", group: "g")?.offset == 3)
        // Back to offset 0: nothing processed, which has no stored offset.
        _ = try stream.resetGroup("g", to: .earliest, force: false)
        fixture.broker.durability.syncNow()
        #expect(try metadata.consumerOffset(virtualHost: "/", stream: "s", group: "g") == nil)
        fixture.broker.closeStreams()
        try metadata.close()
    }
}
