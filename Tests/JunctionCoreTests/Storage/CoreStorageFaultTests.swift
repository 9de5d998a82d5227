import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import JunctionTestSupport
import Logging
import NIOCore
import Testing

/// A durable queue on a disk that fills up or fails (ENOSPC, EIO from write or fsync): publishers are told
/// no, nothing confirmed is lost or corrupted, and confirms resume once the disk recovers.
@Suite struct CoreStorageFaultTests {
    let directory: String
    let owner = ConnectionID(1)

    init() throws {
        self.directory = NSTemporaryDirectory() + "junction-core-faults-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
    }

    /// Tells the test what the durability monitor told it.
    final class Waiter: DurabilityWaiter {
        var advancedTo: UInt64?
        var failures = 0
        func durabilityAdvanced(to ticket: UInt64) { self.advancedTo = ticket }
        func durabilityFailed() { self.failures += 1 }
    }

    func makeBroker(_ fileSystem: any LogFileSystem) throws -> (Broker, LogQueueStore, MetadataStore) {
        let store = try LogQueueStore(
            root: self.directory + "/queues", maxSegmentBytes: 1 << 20, fileSystem: fileSystem,
            logger: Logger(label: "test"))
        let metadata = try MetadataStore(path: self.directory + "/metadata.sqlite")
        let broker = Broker(logger: Logger(label: "test"), queueStore: store, metadata: metadata)
        try broker.restoreDefinitions()
        return (broker, store, metadata)
    }

    func publish(_ host: VirtualHost, _ text: String) throws -> UInt64 {
        _ = try host.publish(
            Message(
                exchange: "", routingKey: "q", properties: MessageProperties(deliveryMode: 2),
                body: ByteBuffer(string: text)))
        return host.durability.currentTicket
    }

    /// What a channel does with a publish: it waits for the burst's end and the group commit, then
    /// confirms it if its ticket became durable and refuses it if the sync failed.
    func commit(_ broker: Broker, ticket: UInt64) -> Bool {
        let waiter = Waiter()
        broker.durability.wait(waiter)
        broker.durability.readBurstEnded()
        broker.durability.groupCommitTimerFired()
        broker.durability.stopWaiting(waiter)
        return waiter.failures == 0 && broker.durability.isDurable(ticket)
    }

    static let faults: [(FaultInjectingFileSystem.Fault, Int32)] = [
        (.failedWrite, ENOSPC), (.shortWrite, ENOSPC), (.failedWrite, EIO), (.failedSync, EIO), (.failedSync, ENOSPC),
    ]

    @Test(arguments: Self.faults)
    func publishesAreRefusedWhileTheDiskFailsAndConfirmedAgainWhenItRecovers(
        fault: (FaultInjectingFileSystem.Fault, Int32)
    ) throws {
        let fileSystem = FaultInjectingFileSystem()
        let parts = try self.makeBroker(fileSystem)
        let (broker, store) = (parts.0, parts.1)
        let host = try #require(broker.virtualHost("/"))
        _ = try host.declareQueue(
            "q", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false, owner: self.owner)
        var confirmed: [String] = []
        for index in 0..<3 {
            let ticket = try self.publish(host, "confirmed-\(index)")
            #expect(self.commit(broker, ticket: ticket))
            confirmed.append("confirmed-\(index)")
        }

        (fileSystem.fault, fileSystem.errno) = fault
        // Every publish during the outage is refused: its append fails, or its sync does.
        for index in 0..<5 {
            let failuresBefore = host.durability.failedAppendCount
            let ticket = try self.publish(host, "outage-\(index)")
            let appendFailed = host.durability.failedAppendCount != failuresBefore
            #expect(appendFailed || !self.commit(broker, ticket: ticket))
        }
        #expect(broker.durability.isFailing)

        // The disk recovers: within a few repair intervals a group commit succeeds and confirms resume.
        fileSystem.fault = .none
        let deadline = Date().addingTimeInterval(10)
        var ticket = try self.publish(host, "after-0")
        while !self.commit(broker, ticket: ticket) {
            #expect(Date() < deadline, "confirms did not resume")
            if Date() >= deadline { break }
            Thread.sleep(forTimeInterval: 0.01)
            ticket = try self.publish(host, "after-retry")
        }
        #expect(!broker.durability.isFailing)
        ticket = try self.publish(host, "after-1")
        #expect(self.commit(broker, ticket: ticket))
        confirmed.append("after-1")
        broker.durability.syncNow()
        store.close()
        try parts.2.close()

        // After a restart every confirmed message is there, in order, and every message read is intact.
        let restarted = try self.makeBroker(PosixLogFileSystem())
        let restored = try #require(restarted.0.virtualHost("/"))
        var bodies: [String] = []
        while let (delivery, _) = try restored.get(queue: "q", noAck: true, owner: self.owner) {
            bodies.append(String(buffer: delivery.message.body))
        }
        #expect(bodies.filter { confirmed.contains($0) } == confirmed)
        let known = Set(confirmed + (0..<5).map { "outage-\($0)" } + ["after-0", "after-retry"])
        #expect(bodies.allSatisfy(known.contains))
        restarted.1.close()
        try restarted.2.close()
    }
}
