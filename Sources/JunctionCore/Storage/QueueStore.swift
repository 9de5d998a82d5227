/// Where a durable queue keeps its persistent messages, so they survive a restart. The queue calls
/// it only for durable queues and persistent messages (delivery mode 2): `append` when the message
/// enters, `settle` when it leaves for good (ack, dead-letter, expiry, drop, purge), `removeQueue`
/// when the queue is deleted, and `recover` when a durable queue is declared.
///
/// Called on the engine loop. The segmented-log implementation in JunctionStorage comes later.
public protocol QueueStore: AnyObject {
    func append(_ message: Message, sequence: UInt64, queue: QueueStoreKey)
    func settle(sequence: UInt64, queue: QueueStoreKey)
    /// Messages still held for the queue, in append order.
    func recover(queue: QueueStoreKey) -> [StoredMessage]
    func removeQueue(_ queue: QueueStoreKey)
}

public struct QueueStoreKey: Hashable, Sendable {
    public var virtualHost: String
    public var queue: String

    public init(virtualHost: String, queue: String) {
        self.virtualHost = virtualHost
        self.queue = queue
    }
}

public struct StoredMessage: Sendable, Equatable {
    public var sequence: UInt64
    public var message: Message

    public init(sequence: UInt64, message: Message) {
        self.sequence = sequence
        self.message = message
    }
}
