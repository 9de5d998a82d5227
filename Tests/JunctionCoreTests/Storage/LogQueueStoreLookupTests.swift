import Foundation
import JunctionCore
import JunctionModel
import Logging
import NIOCore
import Testing

/// `LogQueueStore` remembers the last queue it looked up and the last log it marked for the group commit:
/// calls for other queues, a taken commit list and a removed queue must each be seen.
@Suite("Queue log lookups")
struct LogQueueStoreLookupTests {
    let directory = NSTemporaryDirectory() + "junction-lookup-\(UUID().uuidString)"

    static func message(_ text: String) -> Message {
        Message(
            exchange: "", routingKey: "q", properties: MessageProperties(deliveryMode: 2),
            body: ByteBuffer(string: text))
    }

    /// What the queue's log holds (settled or not).
    static func bodies(_ store: LogQueueStore, _ queue: QueueStoreKey) throws -> [String] {
        var bodies: [String] = []
        try store.readStored(queue: queue, from: 0, through: 1_000) { _, message in
            bodies.append(String(buffer: message.body))
        }
        return bodies
    }

    @Test func interleavedQueuesCommitsAndRemovalsReachTheRightLog() throws {
        defer { try? FileManager.default.removeItem(atPath: self.directory) }
        let store = try LogQueueStore(root: self.directory, maxSegmentBytes: 1 << 20, logger: Logger(label: "test"))
        let first = QueueStoreKey(virtualHost: "/", queue: "first")
        let second = QueueStoreKey(virtualHost: "/", queue: "second")
        let one = try #require(store.append(Self.message("1a"), queue: first))
        _ = try #require(store.append(Self.message("2a"), queue: second))
        _ = try #require(store.append(Self.message("1b"), queue: first))
        #expect(store.needsSync)
        try store.sync()
        #expect(!store.needsSync)
        // After a commit took the list, the next append to the queue last marked is in the next commit.
        _ = try #require(store.append(Self.message("1c"), queue: first))
        #expect(store.needsSync)
        try store.sync()
        store.settle(sequence: one, queue: first)
        _ = try #require(store.append(Self.message("2b"), queue: second))
        #expect(store.needsSync)
        try store.sync()
        #expect(try Self.bodies(store, first) == ["1a", "1b", "1c"])
        #expect(try Self.bodies(store, second) == ["2a", "2b"])
        // A queue removed and made again under its name starts an empty log.
        store.removeQueue(second)
        _ = try #require(store.append(Self.message("2c"), queue: second))
        try store.sync()
        #expect(try Self.bodies(store, second) == ["2c"])
        store.close()
        // What a restart recovers: the settle reached the first queue's log, the removal the second's.
        let reopened = try LogQueueStore(root: self.directory, maxSegmentBytes: 1 << 20, logger: Logger(label: "test"))
        #expect(reopened.recover(queue: first).map { String(buffer: $0.message.body) } == ["1b", "1c"])
        #expect(reopened.recover(queue: second).map { String(buffer: $0.message.body) } == ["2c"])
        reopened.close()
    }
}
