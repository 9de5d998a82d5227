import Foundation
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

@testable import JunctionCore

/// The deduplication window of a durable queue (`x-message-deduplication` with `x-cache-ttl`) survives a
/// restart and a crash: the ids come back from the message records the queue log keeps for the window,
/// acknowledged ones included; expired ones and a torn tail's do not.
@Suite struct CoreDeduplicationRecoveryTests {
    static let window: Int64 = 300_000

    /// A broker on a directory that can be "killed" (its files left as they are, without a close) and
    /// started again, with one manual clock for the engine and the record timestamps.
    final class Restartable {
        let directory = NSTemporaryDirectory() + "junction-dedup-\(UUID().uuidString)"
        let clock = ManualBrokerClock()
        let maxSegmentBytes: Int
        var store: LogQueueStore?
        var broker: Broker?

        init(maxSegmentBytes: Int = 1 << 20) throws {
            self.maxSegmentBytes = maxSegmentBytes
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(atPath: self.directory) }

        /// Starts a broker on the directory, leaving the previous one as a crash leaves it.
        func start(arguments: FieldTable = Restartable.fifo) throws -> VirtualHost {
            let clock = self.clock
            let store = try LogQueueStore(
                root: self.directory + "/queues", maxSegmentBytes: self.maxSegmentBytes, logger: Logger(label: "test"),
                clock: { Int64(clock.now) })
            let broker = Broker(clock: clock, logger: Logger(label: "test"), queueStore: store)
            self.store = store
            self.broker = broker
            let host = broker.virtualHost("/")!
            _ = try host.declareQueue(
                "q", durable: true, exclusive: false, autoDelete: false, arguments: arguments, passive: false,
                owner: ConnectionID(1))
            return host
        }

        static let fifo: FieldTable = [
            "x-message-deduplication": .boolean(true), "x-cache-ttl": .int64(CoreDeduplicationRecoveryTests.window),
        ]

        /// What a publisher's confirm waits for: the group commit.
        func commit() { self.broker?.durability.syncNow() }

        var messageSegments: [String] {
            let path = self.directory + "/queues/%2F/q/messages"
            return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".log") }
                .sorted().map { path + "/" + $0 }
        }
    }

    @discardableResult
    func publish(_ host: VirtualHost, _ id: String, body: String = "m") throws -> PublishOutcome {
        try host.publish(
            Message(
                exchange: "", routingKey: "q",
                properties: MessageProperties(headers: ["x-deduplication-header": .string(id)], deliveryMode: 2),
                body: ByteBuffer(string: body)))
    }

    /// Takes every message and acknowledges it (SQS ReceiveMessage + DeleteMessage); returns the bodies.
    func consumeAll(_ host: VirtualHost) throws -> [String] {
        var bodies: [String] = []
        while let (delivery, _) = try host.get(queue: "q", noAck: false, owner: ConnectionID(1)) {
            bodies.append(String(buffer: delivery.message.body))
            delivery.queue.ack([delivery.id])
        }
        return bodies
    }

    @Test func anAcknowledgedIdIsStillADuplicateAfterACrash() throws {
        let broker = try Restartable()
        var host = try broker.start()
        try self.publish(host, "d1", body: "first")
        broker.commit()
        #expect(try self.consumeAll(host) == ["first"])
        broker.commit()
        host = try broker.start()
        // Accepted (a duplicate is confirmed) but not enqueued again.
        #expect(try self.publish(host, "d1", body: "again") == .routed(queueCount: 1))
        try self.publish(host, "d2", body: "new")
        #expect(try self.consumeAll(host) == ["new"])
        #expect(host.queue(named: "q")?.statistics.deduplicated == 1)
    }

    @Test func idsComeBackForWhatIsLeftOfTheirWindowAndExpiredOnesDoNot() throws {
        let broker = try Restartable()
        var host = try broker.start()
        try self.publish(host, "old", body: "old")
        broker.clock.advance(byMilliseconds: 200_000)
        try self.publish(host, "young", body: "young")
        broker.commit()
        #expect(try self.consumeAll(host) == ["old", "young"])
        broker.commit()
        broker.clock.advance(byMilliseconds: 100_001)
        host = try broker.start()
        #expect(host.queue(named: "q")?.deduplicationCacheCount == 1)
        try self.publish(host, "old", body: "old again")
        try self.publish(host, "young", body: "young again")
        #expect(try self.consumeAll(host) == ["old again"])
        // Its window ends 300 s after its first publish, not 300 s after the restart.
        broker.clock.advance(byMilliseconds: 200_000)
        try self.publish(host, "young", body: "young later")
        #expect(try self.consumeAll(host) == ["young later"])
    }

    @Test func anIdInATornTailWasNeverConfirmedAndIsNotRemembered() throws {
        let broker = try Restartable()
        var host = try broker.start()
        try self.publish(host, "confirmed")
        broker.commit()
        #expect(try self.consumeAll(host) == ["m"])
        broker.commit()
        try self.publish(host, "torn")
        broker.store?.writeBuffered()
        // The crash tore the last record: part of it reached the disk.
        let segment = try #require(broker.messageSegments.last)
        let handle = try #require(FileHandle(forUpdatingAtPath: segment))
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size - 7)
        try handle.close()
        host = try broker.start()
        #expect(try self.consumeAll(host).isEmpty)
        try self.publish(host, "confirmed", body: "duplicate")
        try self.publish(host, "torn", body: "sent again")
        #expect(try self.consumeAll(host) == ["sent again"])
    }

    @Test func segmentsAreKeptForTheWindowThenTruncated() throws {
        let broker = try Restartable(maxSegmentBytes: 4096)
        var host = try broker.start()
        for n in 0..<100 { try self.publish(host, "id-\(n)", body: String(repeating: "x", count: 200)) }
        broker.commit()
        #expect(try self.consumeAll(host).count == 100)
        // A clean stop syncs the ack log and truncates what it may: settled, but within the window, the
        // records stay, so their ids are found after the restart.
        broker.store?.close()
        let kept = broker.messageSegments.count
        #expect(kept > 2)
        host = try broker.start()
        try self.publish(host, "id-5", body: "duplicate")
        #expect(try self.consumeAll(host).isEmpty)
        broker.clock.advance(byMilliseconds: UInt64(Self.window) + 1)
        try self.publish(host, "after", body: "after")
        #expect(try self.consumeAll(host) == ["after"])
        broker.store?.close()
        #expect(broker.messageSegments.count < kept)
    }

    @Test func memoryPersistenceForgetsAtARestartAndBadValuesAreRefused() throws {
        let arguments: FieldTable = [
            "x-message-deduplication": .boolean(true), "x-cache-ttl": .int64(Self.window),
            "x-cache-persistence": .string("memory"),
        ]
        let broker = try Restartable()
        var host = try broker.start(arguments: arguments)
        try self.publish(host, "d1")
        broker.commit()
        #expect(try self.consumeAll(host) == ["m"])
        broker.commit()
        host = try broker.start(arguments: arguments)
        try self.publish(host, "d1", body: "again")
        #expect(try self.consumeAll(host) == ["again"])

        let fixture = CoreFixture()
        for (table, durable) in [
            (["x-message-deduplication": .boolean(true), "x-cache-persistence": .string("tape")], true),
            (["x-message-deduplication": .boolean(true), "x-cache-persistence": .int32(1)], true),
            (["x-cache-persistence": .string("disk")], true),
            (["x-message-deduplication": .boolean(true), "x-cache-persistence": .string("disk")], false),
        ] as [(FieldTable, Bool)] {
            #expect(throws: BrokerError.self) { try fixture.declareQueue("bad", durable: durable, arguments: table) }
        }
        try fixture.declareQueue(
            "ok", arguments: ["x-message-deduplication": .boolean(true), "x-cache-persistence": .string("memory")])
    }
}
