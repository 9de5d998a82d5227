import Foundation
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

@testable import JunctionCore

/// The durable timer index: persistent delayed messages for durable exchanges survive a restart
/// (a new Broker on the same directories, on a manual clock), are confirmed once on disk, and a
/// torn tail of the delay log is cut at start-up.
@Suite struct CoreDelayDurabilityTests {
    let directory: String
    let clock = ManualBrokerClock()

    init() throws {
        self.directory = NSTemporaryDirectory() + "junction-delay-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
    }

    struct Parts {
        var broker: Broker
        var store: LogQueueStore
        var metadata: MetadataStore
        var host: VirtualHost { self.broker.virtualHost("/")! }
    }

    func start() throws -> Parts {
        let store = try LogQueueStore(
            root: self.directory + "/queues", maxSegmentBytes: 1 << 20, logger: Logger(label: "test"))
        let metadata = try MetadataStore(path: self.directory + "/metadata.sqlite")
        let broker = Broker(
            clock: self.clock, logger: Logger(label: "test"), queueStore: store, metadata: metadata,
            delayRoot: self.directory + "/delayed")
        try broker.restoreDefinitions()
        return Parts(broker: broker, store: store, metadata: metadata)
    }

    /// A clean stop syncs; `crash: true` only writes what is buffered (a process crash keeps the page cache).
    func stop(_ parts: Parts, crash: Bool = false) throws {
        if crash {
            parts.broker.durability.readBurstEnded()
        } else {
            parts.broker.durability.syncNow()
            parts.broker.closeDelayLogs()
            parts.store.close()
        }
        try parts.metadata.close()
    }

    func declareTopology(_ host: VirtualHost) throws {
        try host.declareExchange(
            "delayed", type: "x-delayed-message", durable: true, autoDelete: false, internal: false,
            arguments: ["x-delayed-type": .longString(Array("direct".utf8))], passive: false)
        _ = try host.declareQueue(
            "q", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false,
            owner: ConnectionID(1))
        try host.bindQueue("q", exchange: "delayed", routingKey: "k", arguments: [:], owner: ConnectionID(1))
    }

    func publish(_ host: VirtualHost, _ body: String, delay: Int32, persistent: Bool = true) throws {
        let properties = MessageProperties(headers: ["x-delay": .int32(delay)], deliveryMode: persistent ? 2 : 1)
        #expect(
            try host.publish(
                Message(exchange: "delayed", routingKey: "k", properties: properties, body: ByteBuffer(string: body)))
                == .unroutable)
    }

    func drain(_ host: VirtualHost) throws -> [String] {
        var bodies: [String] = []
        while let (delivery, _) = try host.get(queue: "q", noAck: true, owner: ConnectionID(1)) {
            bodies.append(String(buffer: delivery.message.body))
        }
        return bodies
    }

    @Test func persistentDelayedMessagesSurviveARestartAndLeaveAtTheirTime() throws {
        let first = try self.start()
        try self.declareTopology(first.host)
        try self.publish(first.host, "at-1000", delay: 1000)
        try self.publish(first.host, "at-200", delay: 200)
        try self.publish(first.host, "at-5000", delay: 5000)
        try self.publish(first.host, "transient", delay: 200, persistent: false)
        // One falls due and leaves before the restart: it must not come back.
        self.clock.advance(byMilliseconds: 200)
        first.broker.fireDueDelayedMessages()
        #expect(try self.drain(first.host) == ["at-200", "transient"])
        try self.stop(first)

        // Restarted 1,500 ms later: the one due meanwhile leaves at once, the other at its time.
        self.clock.advance(byMilliseconds: 1500)
        let second = try self.start()
        #expect(second.broker.delayedMessageCount == 2)
        second.broker.fireDueDelayedMessages()
        #expect(try self.drain(second.host) == ["at-1000"])
        self.clock.advance(byMilliseconds: 3299)
        second.broker.fireDueDelayedMessages()
        #expect(try self.drain(second.host) == [])
        self.clock.advance(byMilliseconds: 1)
        second.broker.fireDueDelayedMessages()
        let bodies = try self.drain(second.host)
        #expect(bodies == ["at-5000"])
        try self.stop(second)

        let third = try self.start()
        #expect(third.broker.delayedMessageCount == 0)
        try self.stop(third)
    }

    @Test func aProcessCrashKeepsWhatTheBurstWrote() throws {
        let first = try self.start()
        try self.declareTopology(first.host)
        for index in 0..<300 { try self.publish(first.host, "m\(index)", delay: Int32(100 + index % 7)) }
        self.clock.advance(byMilliseconds: 103)
        first.broker.fireDueDelayedMessages()
        let routed = try self.drain(first.host).count
        #expect(routed == 300 / 7 * 4 + min(300 % 7, 4))
        try self.stop(first, crash: true)

        let second = try self.start()
        #expect(second.broker.delayedMessageCount == 300 - routed)
        self.clock.advance(byMilliseconds: 10)
        second.broker.fireDueDelayedMessages()
        #expect(try self.drain(second.host).count == 300 - routed)
        try self.stop(second)
    }

    @Test func aDelayedPublishIsConfirmedWhenTheDelayLogIsSynced() throws {
        let parts = try self.start()
        try self.declareTopology(parts.host)
        let before = parts.host.durability.currentTicket
        try self.publish(parts.host, "m", delay: 1000)
        let ticket = parts.host.durability.currentTicket
        #expect(ticket == before + 1)
        #expect(!parts.host.durability.isDurable(ticket))
        parts.host.durability.groupCommitTimerFired()
        #expect(parts.host.durability.isDurable(ticket))
        // A transient delayed message takes no ticket (it is held in memory).
        try self.publish(parts.host, "t", delay: 1000, persistent: false)
        #expect(parts.host.durability.currentTicket == ticket)
        try self.stop(parts)
    }

    @Test func aTornTailOfTheDelayLogIsCutAtStartUp() throws {
        let first = try self.start()
        try self.declareTopology(first.host)
        try self.publish(first.host, "synced", delay: 1000)
        first.broker.durability.syncNow()
        try self.publish(first.host, "torn", delay: 1000)
        first.broker.durability.readBurstEnded()
        try self.stop(first, crash: true)
        // The second record was half written when the machine went down.
        let segment = self.directory + "/delayed/%2F/messages/00000000000000000000.log"
        let bytes = try #require(FileManager.default.contents(atPath: segment))
        try bytes.prefix(bytes.count - 7).write(to: URL(fileURLWithPath: segment))

        let second = try self.start()
        #expect(second.broker.delayedMessageCount == 1)
        self.clock.advance(byMilliseconds: 1000)
        second.broker.fireDueDelayedMessages()
        #expect(try self.drain(second.host) == ["synced"])
        try self.publish(second.host, "after", delay: 1)
        self.clock.advance(byMilliseconds: 1)
        second.broker.fireDueDelayedMessages()
        #expect(try self.drain(second.host) == ["after"])
        try self.stop(second)
    }

    @Test func settlementsSurviveCheckpointsAndTruncation() throws {
        let first = try self.start()
        try self.declareTopology(first.host)
        // Enough group commits for several ack checkpoints; every other message leaves early.
        for round in 0..<(DelayLog.checkpointEvery * 2 + 10) {
            try self.publish(first.host, "late-\(round)", delay: 100_000)
            try self.publish(first.host, "early-\(round)", delay: 1)
            self.clock.advance(byMilliseconds: 1)
            first.broker.fireDueDelayedMessages()
            // Each burst writes an ack record; a commit now and then makes checkpoints durable.
            first.broker.durability.readBurstEnded()
            if round % 64 == 0 { first.broker.durability.groupCommitTimerFired() }
        }
        #expect(try self.drain(first.host).allSatisfy { $0.hasPrefix("early-") })
        try self.stop(first)

        let second = try self.start()
        #expect(second.broker.delayedMessageCount == DelayLog.checkpointEvery * 2 + 10)
        self.clock.advance(byMilliseconds: 100_000)
        second.broker.fireDueDelayedMessages(limit: .max)
        let bodies = try self.drain(second.host)
        #expect(bodies == (0..<(DelayLog.checkpointEvery * 2 + 10)).map { "late-\($0)" })
        try self.stop(second)
    }
}
