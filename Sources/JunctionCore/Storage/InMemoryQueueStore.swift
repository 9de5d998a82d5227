public import JunctionModel

/// A `QueueStore` in memory: survives a `Broker` being rebuilt in the same process (what the tests
/// use to check recovery), not a process restart. Everything is "durable" at once.
public final class InMemoryQueueStore: QueueStore {
    private var queues: [QueueStoreKey: [UInt64: (message: Message, delivered: Bool, deliveries: Int)]] = [:]
    private var nextSequence: UInt64 = 0
    public private(set) var appendCount: UInt64 = 0
    public var durableAppendCount: UInt64 { self.appendCount }
    public let failedAppendCount: UInt64 = 0
    public let needsSync = false

    public init() {}

    public func append(_ message: Message, queue: QueueStoreKey) -> UInt64? {
        self.nextSequence += 1
        self.appendCount += 1
        self.queues[queue, default: [:]][self.nextSequence] = (message, false, 0)
        return self.nextSequence
    }

    public func delivered(sequence: UInt64, queue: QueueStoreKey) {
        self.queues[queue]?[sequence]?.delivered = true
    }

    public func countDeliveries(_ deliveries: Int, sequence: UInt64, queue: QueueStoreKey) {
        self.queues[queue]?[sequence]?.deliveries = deliveries
    }

    public func settle(sequence: UInt64, queue: QueueStoreKey) {
        self.queues[queue]?[sequence] = nil
    }

    public func recover(queue: QueueStoreKey) -> [StoredMessage] {
        guard let messages = self.queues[queue] else { return [] }
        return messages.sorted { $0.key < $1.key }.map {
            StoredMessage(
                sequence: $0.key, message: $0.value.message, delivered: $0.value.delivered,
                deliveryCount: $0.value.deliveries)
        }
    }

    public var canReadStored: Bool { true }

    public func readStored(
        queue: QueueStoreKey, from first: UInt64, through last: UInt64, _ body: (UInt64, Message) -> Void
    ) {
        guard let messages = self.queues[queue], first <= last else { return }
        for sequence in first...last {
            if let stored = messages[sequence] { body(sequence, stored.message) }
        }
    }

    public func removeQueue(_ queue: QueueStoreKey) {
        self.queues[queue] = nil
    }

    public func writeBuffered() {}

    public func sync() {}

    /// Messages held for the queue (for tests and management).
    public func count(queue: QueueStoreKey) -> Int {
        self.queues[queue]?.count ?? 0
    }
}

@available(*, unavailable)
extension InMemoryQueueStore: Sendable {}
