import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

/// Read-ahead of paged messages off the engine loop (`MessageQueue+ReadAhead`): after the first window of
/// a drain, the next run is read on the read-ahead thread (here a manual executor that runs reads when the
/// test says), the loop reads only what that did not cover, and a read that purge, delete or the drain
/// itself overtook is dropped. Order and contents are the same as without it.
@Suite struct CorePagingReadAheadTests {
    let directory = NSTemporaryDirectory() + "junction-read-ahead-\(UUID().uuidString)"
    static let persistent = MessageProperties(deliveryMode: 2)
    static let owner = ConnectionID(1)

    /// Reads run when `complete()` is called, as the read-ahead thread would run them between loop turns.
    final class ManualReadAhead: ReadAheadExecutor {
        var pending: [(PagedRead, (Result<[[PagedReadMessage]], any Error>) -> Void)] = []
        var reads = 0

        func run(_ read: PagedRead, completion: @escaping (Result<[[PagedReadMessage]], any Error>) -> Void) {
            self.pending.append((read, completion))
        }

        func complete() {
            let pending = self.pending
            self.pending = []
            for (read, completion) in pending {
                self.reads += 1
                completion(Result { try read.run() })
            }
        }
    }

    func open(budget: Int = 8192, maxPriority: Int? = nil) throws -> (Broker, VirtualHost, ManualReadAhead) {
        let store = try LogQueueStore(
            root: self.directory + "/queues", maxSegmentBytes: 64 * 1024, logger: Logger(label: "test"))
        var configuration = BrokerConfiguration()
        configuration.queueMemoryBudgetBytes = budget
        let broker = Broker(
            configuration: configuration, logger: Logger(label: "test"), queueStore: store,
            spillRoot: self.directory + "/spill")
        let executor = ManualReadAhead()
        broker.readAheadExecutor = executor
        let host = try #require(broker.virtualHost("/"))
        var arguments: FieldTable = [:]
        if let maxPriority { arguments["x-max-priority"] = .int32(Int32(maxPriority)) }
        _ = try host.declareQueue(
            "q", durable: true, exclusive: false, autoDelete: false, arguments: arguments, passive: false,
            owner: Self.owner)
        return (broker, host, executor)
    }

    static func body(_ index: Int) -> String {
        "message-" + String(format: "%06d", index) + "-" + String(repeating: "x", count: 80)
    }

    func publish(
        _ host: VirtualHost, count: Int, persistent: (Int) -> Bool = { _ in true },
        priority: (Int) -> UInt8? = { _ in nil }
    ) throws {
        for index in 0..<count {
            let properties = MessageProperties(
                deliveryMode: persistent(index) ? 2 : 1, priority: priority(index))
            _ = try host.publish(
                Message(
                    exchange: "", routingKey: "q", properties: properties, body: ByteBuffer(string: Self.body(index))))
        }
    }

    /// Gets every message, letting the read-ahead thread run after each get when `readsComplete` says so.
    func drain(
        _ host: VirtualHost, _ executor: ManualReadAhead, readsComplete: (Int) -> Bool = { _ in true }
    ) throws -> [String] {
        var bodies: [String] = []
        while let got = try host.get(queue: "q", noAck: true, owner: Self.owner) {
            bodies.append(String(buffer: got.delivery.message.body))
            if readsComplete(bodies.count) { executor.complete() }
        }
        executor.complete()
        return bodies
    }

    @Test func afterTheFirstWindowTheDrainReadsNothingOnTheLoop() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        let (_, host, executor) = try self.open()
        try self.publish(host, count: 5000)
        let queue = try #require(host.queue(named: "q"))
        #expect(queue.pagedMessageCount > 4900)
        #expect(try self.drain(host, executor) == (0..<5000).map(Self.body))
        #expect(queue.pagedRunsReadOnLoop == 1, "only the first window is read on the loop")
        #expect(queue.pagedRunsReadAhead >= 5)
        #expect(executor.reads == queue.pagedRunsReadAhead)
        #expect(queue.pagingInMemoryBytes == 0, "the read-ahead's reservation is given back")
    }

    @Test func spilledTransientMessagesAreReadAheadToo() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        let (_, host, executor) = try self.open()
        // Every third message persistent: runs alternate between the queue log and the spill log.
        try self.publish(host, count: 3000, persistent: { $0 % 3 == 0 })
        let queue = try #require(host.queue(named: "q"))
        #expect(try self.drain(host, executor) == (0..<3000).map(Self.body))
        #expect(queue.pagedRunsReadAhead > 0)
        #expect(queue.pagedRunsReadOnLoop < queue.pagedRunsReadAhead)
        #expect(queue.pagingInMemoryBytes == 0)
    }

    @Test func aReadStillInFlightIsReadOnTheLoopAndTheLateOneIsDropped() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        let (_, host, executor) = try self.open()
        try self.publish(host, count: 3000)
        let queue = try #require(host.queue(named: "q"))
        // Reads complete only every 1000 gets: each window the drain reaches first is read on the loop, and
        // the read that completes after it is dropped for the next one.
        #expect(try self.drain(host, executor, readsComplete: { $0 % 1000 == 0 }) == (0..<3000).map(Self.body))
        #expect(queue.pagedRunsReadOnLoop > 1)
        #expect(queue.pagingInMemoryBytes == 0)
    }

    @Test func purgeAndDeleteWhileAReadIsInFlightDropIt() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        let (_, host, executor) = try self.open()
        try self.publish(host, count: 2000, persistent: { $0 % 2 == 0 })
        let queue = try #require(host.queue(named: "q"))
        // Past the messages kept in memory: the first window is loaded and starts a read-ahead.
        for _ in 0..<200 { _ = try #require(try host.get(queue: "q", noAck: true, owner: Self.owner)) }
        #expect(executor.pending.count == 1, "the first window started a read-ahead")
        _ = try host.purgeQueue("q", owner: Self.owner)
        executor.complete()
        #expect(queue.readyCount == 0)
        #expect(queue.pagingInMemoryBytes == 0)

        // The same for a queue deleted and declared again (a new spill log whose offsets start over).
        try self.publish(host, count: 2000, persistent: { _ in false })
        for _ in 0..<200 { _ = try #require(try host.get(queue: "q", noAck: true, owner: Self.owner)) }
        #expect(executor.pending.count == 1)
        _ = try host.deleteQueue("q", ifUnused: false, ifEmpty: false, owner: Self.owner)
        _ = try host.declareQueue(
            "q", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false, owner: Self.owner)
        try self.publish(host, count: 1500, persistent: { _ in false })
        executor.complete()
        #expect(try self.drain(host, executor) == (0..<1500).map(Self.body))
        #expect(try #require(host.queue(named: "q")).pagingInMemoryBytes == 0)
    }

    @Test func priorityLevelsReadAheadInTheirOrder() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        let (_, host, executor) = try self.open(maxPriority: 2)
        try self.publish(host, count: 3000, priority: { UInt8($0 % 3) })
        var expected: [[String]] = Array(repeating: [], count: 3)
        for index in 0..<3000 { expected[index % 3].append(Self.body(index)) }
        #expect(try self.drain(host, executor) == expected.reversed().flatMap { $0 })
        #expect(try #require(host.queue(named: "q")).pagedRunsReadAhead > 0)
    }
}
