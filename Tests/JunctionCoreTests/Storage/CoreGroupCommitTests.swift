import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import JunctionTestSupport
import Logging
import NIOCore
import Testing

/// Group commit with the fsyncs off the engine loop: appends and deliveries go on while a commit's
/// fsyncs run, tickets complete when the commit finishes, a commit asked for meanwhile starts right
/// after, and a failed fsync fails the tickets it covered (and only when its log repaired do
/// confirms resume).
@Suite struct CoreGroupCommitTests {
    let directory: String
    let owner = ConnectionID(1)

    init() throws {
        self.directory = NSTemporaryDirectory() + "junction-group-commit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
    }

    /// Holds each commit's fsyncs until the test lets them run: the I/O thread, in slow motion.
    final class ManualDiskSync: DiskSyncExecutor {
        var pending: [(SyncWork, ([(any Error)?]) -> Void)] = []
        func run(_ work: SyncWork, completion: @escaping ([(any Error)?]) -> Void) {
            self.pending.append((work, completion))
        }
        /// Runs the oldest commit's fsyncs and completes it.
        func completeNext() {
            let (work, completion) = self.pending.removeFirst()
            completion(work.run())
        }
    }

    final class Waiter: DurabilityWaiter {
        var advancedTo: UInt64?
        var failures = 0
        func durabilityAdvanced(to ticket: UInt64) { self.advancedTo = ticket }
        func durabilityFailed() { self.failures += 1 }
    }

    func makeBroker(_ fileSystem: any LogFileSystem) throws -> (Broker, VirtualHost, LogQueueStore, ManualDiskSync) {
        let store = try LogQueueStore(
            root: self.directory + "/queues", maxSegmentBytes: 1 << 20, fileSystem: fileSystem,
            logger: Logger(label: "test"))
        let broker = Broker(logger: Logger(label: "test"), queueStore: store)
        let executor = ManualDiskSync()
        broker.durability.executor = executor
        let host = try #require(broker.virtualHost("/"))
        _ = try host.declareQueue(
            "q", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false, owner: self.owner)
        return (broker, host, store, executor)
    }

    func publish(_ host: VirtualHost, _ text: String) throws -> UInt64 {
        _ = try host.publish(
            Message(
                exchange: "", routingKey: "q", properties: MessageProperties(deliveryMode: 2),
                body: ByteBuffer(string: text)))
        return host.durability.currentTicket
    }

    @Test func appendsGoOnWhileACommitIsInFlightAndTheNextCommitFollowsAtOnce() throws {
        let (broker, host, store, executor) = try self.makeBroker(PosixLogFileSystem())
        let durability = broker.durability
        let first = try self.publish(host, "a")
        let waiter = Waiter()
        durability.wait(waiter)
        durability.readBurstEnded()
        durability.groupCommitTimerFired()
        #expect(durability.isSyncing && executor.pending.count == 1)
        #expect(!durability.isDurable(first) && waiter.advancedTo == nil)

        // The loop goes on: more appends, a delivery, and a timer tick that asks for the next commit.
        let second = try self.publish(host, "b")
        let (delivery, _) = try #require(try host.get(queue: "q", noAck: false, owner: self.owner))
        #expect(String(buffer: delivery.message.body) == "a")
        durability.groupCommitTimerFired()
        #expect(executor.pending.count == 1, "one commit at a time")

        executor.completeNext()
        #expect(durability.isDurable(first) && !durability.isDurable(second))
        #expect(waiter.advancedTo == first)
        // The commit asked for meanwhile started as soon as the first finished.
        #expect(durability.isSyncing && executor.pending.count == 1)
        durability.wait(waiter)
        executor.completeNext()
        #expect(durability.isDurable(second) && waiter.advancedTo == second)
        #expect(!durability.isSyncing)
        store.close()
    }

    @Test func aFailedFsyncFailsItsTicketsAndConfirmsResumeAfterTheRepair() throws {
        let fileSystem = FaultInjectingFileSystem()
        let (broker, host, store, executor) = try self.makeBroker(fileSystem)
        let durability = broker.durability
        let confirmed = try self.publish(host, "confirmed")
        durability.groupCommitTimerFired()
        executor.completeNext()
        #expect(durability.isDurable(confirmed))

        fileSystem.fault = .failedSync
        let lost = try self.publish(host, "refused")
        let waiter = Waiter()
        durability.wait(waiter)
        durability.groupCommitTimerFired()
        // Appends go on while the failing fsync runs.
        let during = try self.publish(host, "during")
        executor.completeNext()
        #expect(waiter.failures == 1 && waiter.advancedTo == nil)
        #expect(!durability.isDurable(lost) && !durability.isDurable(during))
        #expect(durability.isFailing)

        // The disk recovers; the log repairs itself (after its repair interval) and confirms resume.
        fileSystem.fault = .none
        let deadline = Date().addingTimeInterval(10)
        var ticket = try self.publish(host, "after")
        while !durability.isDurable(ticket) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            ticket = try self.publish(host, "retry")
            durability.groupCommitTimerFired()
            if !executor.pending.isEmpty { executor.completeNext() }
        }
        #expect(durability.isDurable(ticket))
        #expect(!durability.isFailing)
        store.close()
    }

    @Test func acknowledgementFsyncsWaitForEveryMessageFsync() {
        let failure = StorageError(.io(errno: 5), path: "m", detail: "injected")
        var work = SyncWork()
        let ran = Counter()
        work.handles = [
            LogSyncHandle { throw failure },
            LogSyncHandle { ran.increment() },
        ]
        work.barrier = 2
        work.handles.append(LogSyncHandle { ran.increment() })
        let outcomes = work.run()
        #expect(outcomes.count == 3)
        #expect(outcomes[0] != nil && outcomes[1] == nil && outcomes[2] != nil)
        #expect(ran.value == 1, "the acknowledgement's fsync did not run")

        var clean = SyncWork()
        clean.handles = [LogSyncHandle { ran.increment() }, LogSyncHandle { ran.increment() }]
        clean.barrier = 1
        #expect(clean.run().allSatisfy { $0 == nil })
        #expect(ran.value == 3)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var value: Int { self.lock.withLock { self.count } }
        func increment() { self.lock.withLock { self.count += 1 } }
    }

    /// A finished commit is released: its finishers read its outcomes, so a commit that kept them after
    /// running would keep itself (and the log segments its fsyncs name) alive, once per group commit.
    @Test func aFinishedGroupCommitIsReleased() throws {
        let store = try LogQueueStore(
            root: self.directory + "/queues", maxSegmentBytes: 1 << 20, logger: Logger(label: "test"))
        let key = QueueStoreKey(virtualHost: "/", queue: "q")
        _ = store.recover(queue: key)
        weak var released: StoreSync?
        do {
            _ = store.append(
                Message(
                    exchange: "", routingKey: "q", properties: MessageProperties(deliveryMode: 2),
                    body: ByteBuffer(string: "m")), queue: key)
            let commit = store.beginSync()
            released = commit
            try commit.finish(outcomes: commit.work.run())
        }
        #expect(released == nil)
        #expect(store.durableAppendCount == 1)
    }

    /// A durable queue deleted while a group commit's fsyncs run (they run on the I/O thread): the commit
    /// finishes without failing, and the other queues' appends become durable.
    @Test func aQueueDeletedDuringAGroupCommitDoesNotFailIt() throws {
        let store = try LogQueueStore(
            root: self.directory + "/queues", maxSegmentBytes: 1 << 20, logger: Logger(label: "test"))
        let kept = QueueStoreKey(virtualHost: "/", queue: "kept")
        let deleted = QueueStoreKey(virtualHost: "/", queue: "deleted")
        for key in [kept, deleted] {
            _ = store.recover(queue: key)
            let sequence = store.append(
                Message(
                    exchange: "", routingKey: key.queue, properties: MessageProperties(deliveryMode: 2),
                    body: ByteBuffer(string: "m")), queue: key)
            // A settlement too, so the commit has ack-log work for the deleted queue's log.
            if key == deleted, let sequence { store.settle(sequence: sequence, queue: key) }
        }
        let commit = store.beginSync()
        let outcomes = commit.work.run()
        store.removeQueue(deleted)
        try commit.finish(outcomes: outcomes)
        #expect(store.durableAppendCount == 2)
    }

    /// The same with the deleted queue's roll in the commit (its directory's fsync, now run by path on the
    /// I/O thread): the directory is gone when the work runs, and that is no failure either.
    @Test func aQueueDeletedBeforeItsDeferredSegmentWorkRunsDoesNotFailTheCommit() throws {
        let store = try LogQueueStore(
            root: self.directory + "/queues", maxSegmentBytes: 4096, logger: Logger(label: "test"))
        let kept = QueueStoreKey(virtualHost: "/", queue: "kept")
        let deleted = QueueStoreKey(virtualHost: "/", queue: "deleted")
        var appended = 0
        for key in [kept, deleted] {
            _ = store.recover(queue: key)
            // Enough to roll the 4 KiB segments: the commit seals one and syncs the directory.
            for _ in 0..<(key == deleted ? 40 : 1) {
                let sequence = store.append(
                    Message(
                        exchange: "", routingKey: key.queue, properties: MessageProperties(deliveryMode: 2),
                        body: ByteBuffer(string: String(repeating: "m", count: 200))), queue: key)
                if sequence != nil { appended += 1 }
            }
        }
        let commit = store.beginSync()
        store.removeQueue(deleted)
        let outcomes = commit.work.run()
        try commit.finish(outcomes: outcomes)
        #expect(store.durableAppendCount == UInt64(appended))
    }

    /// Settling messages writes no log-start checkpoint (two fsyncs on the engine loop) until a whole
    /// segment can go; what stays below the watermark is skipped at recovery.
    @Test func settlementsTruncateTheQueueLogOnlyByWholeSegments() throws {
        let fileSystem = FaultInjectingFileSystem()
        let root = self.directory + "/queues"
        let key = QueueStoreKey(virtualHost: "/", queue: "q")
        func message(_ index: Int) -> Message {
            Message(
                exchange: "", routingKey: "q", properties: MessageProperties(deliveryMode: 2),
                body: ByteBuffer(string: "message \(index) " + String(repeating: "x", count: 200)))
        }
        let store = try LogQueueStore(
            root: root, maxSegmentBytes: 4096, fileSystem: fileSystem, logger: Logger(label: "t"))
        _ = store.recover(queue: key)
        let first = (0..<5).compactMap { store.append(message($0), queue: key) }
        for sequence in first.prefix(3) { store.settle(sequence: sequence, queue: key) }
        try store.sync()
        #expect(fileSystem.renames == 0, "a checkpoint was written with no whole segment to free")
        // Recovery (a new store on the same files, as after kill -9) skips what was settled.
        let reopened = try LogQueueStore(root: root, maxSegmentBytes: 4096, logger: Logger(label: "t"))
        #expect(reopened.recover(queue: key).map(\.sequence) == Array(first.suffix(2)))

        // Past a segment boundary, settling everything before the last message frees whole segments.
        let more = (5..<100).compactMap { store.append(message($0), queue: key) }
        for sequence in first.suffix(2) + more.dropLast() { store.settle(sequence: sequence, queue: key) }
        // The ack log is synced (and truncation done) at most every `ackSyncInterval` (200 ms) of wall
        // clock, which the store reads itself.
        Thread.sleep(forTimeInterval: 0.25)
        try store.sync()
        // The checkpoint and the unlinks are the next group commit's work (off the loop), which the store
        // asks for even with nothing else to do.
        #expect(fileSystem.renames == 0)
        #expect(store.needsSync)
        try store.sync()
        #expect(fileSystem.renames > 0)
        let segments = try FileManager.default.contentsOfDirectory(atPath: root + "/%2F/q/messages")
        #expect(!segments.contains("00000000000000000000.log"), "the freed segment is still there: \(segments)")
        let again = try LogQueueStore(root: root, maxSegmentBytes: 4096, logger: Logger(label: "t"))
        #expect(again.recover(queue: key).map(\.sequence) == [more.last!])
    }
}
