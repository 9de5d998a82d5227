import JunctionCore
import JunctionCoreTestSupport
import JunctionModel

/// A `QueueStore` whose appends become durable only when `sync()` runs (as the log store's group
/// commit), and whose next sync can be made to fail: what receipt tests need to see a RECEIPT wait.
final class GroupCommitTestStore: QueueStore {
    private let backing = InMemoryQueueStore()
    private(set) var durableAppendCount: UInt64 = 0
    let failedAppendCount: UInt64 = 0
    var failsNextSync = false

    struct SyncFailed: Error {}

    var appendCount: UInt64 { self.backing.appendCount }
    var needsSync: Bool { self.durableAppendCount != self.backing.appendCount }

    func append(_ message: Message, queue: QueueStoreKey) -> UInt64? { self.backing.append(message, queue: queue) }
    func delivered(sequence: UInt64, queue: QueueStoreKey) { self.backing.delivered(sequence: sequence, queue: queue) }
    func countDeliveries(_ deliveries: Int, sequence: UInt64, queue: QueueStoreKey) {
        self.backing.countDeliveries(deliveries, sequence: sequence, queue: queue)
    }
    func settle(sequence: UInt64, queue: QueueStoreKey) { self.backing.settle(sequence: sequence, queue: queue) }
    func recover(queue: QueueStoreKey) -> [StoredMessage] { self.backing.recover(queue: queue) }
    func removeQueue(_ queue: QueueStoreKey) { self.backing.removeQueue(queue) }
    func writeBuffered() {}

    func sync() throws {
        if self.failsNextSync {
            self.failsNextSync = false
            throw SyncFailed()
        }
        self.durableAppendCount = self.backing.appendCount
    }
}
