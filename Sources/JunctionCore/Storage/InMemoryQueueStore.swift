/// A `QueueStore` in memory: survives a `Broker` being rebuilt in the same process (what the tests
/// use to check recovery), not a process restart.
public final class InMemoryQueueStore: QueueStore {
    private var queues: [QueueStoreKey: [UInt64: Message]] = [:]

    public init() {}

    public func append(_ message: Message, sequence: UInt64, queue: QueueStoreKey) {
        self.queues[queue, default: [:]][sequence] = message
    }

    public func settle(sequence: UInt64, queue: QueueStoreKey) {
        self.queues[queue]?[sequence] = nil
    }

    public func recover(queue: QueueStoreKey) -> [StoredMessage] {
        guard let messages = self.queues[queue] else { return [] }
        return messages.sorted { $0.key < $1.key }.map { StoredMessage(sequence: $0.key, message: $0.value) }
    }

    public func removeQueue(_ queue: QueueStoreKey) {
        self.queues[queue] = nil
    }

    /// Messages held for the queue (for tests and management).
    public func count(queue: QueueStoreKey) -> Int {
        self.queues[queue]?.count ?? 0
    }
}

@available(*, unavailable)
extension InMemoryQueueStore: Sendable {}
