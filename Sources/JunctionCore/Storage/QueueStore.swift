public import JunctionModel

/// Where a durable queue keeps its persistent messages, so they survive a restart. The queue calls
/// it only for durable queues and persistent messages (delivery mode 2): `append` when the message
/// enters (the store assigns its sequence), `delivered` when it goes to a consumer, `settle` when
/// it leaves for good (ack, dead-letter, expiry, drop, purge), `removeQueue` when the queue is
/// deleted, and `recover` when a durable queue is declared.
///
/// Durability is group-committed: appends and settlements are buffered until `sync()`. A publish is
/// durable once `durableAppendCount` has reached the `appendCount` seen right after it; a failed
/// append (the store could not write) increments `failedAppendCount` instead, and the publisher
/// must hear a negative confirm. Called on the engine loop only.
public protocol QueueStore: AnyObject {
    /// Stores a message; nil when it could not be written.
    func append(_ message: Message, queue: QueueStoreKey) -> UInt64?
    /// The message went to a consumer: after a restart it comes back with the redelivered flag.
    func delivered(sequence: UInt64, queue: QueueStoreKey)
    /// A quorum queue's message went out for the `deliveries`-th time: recovery gives the count back
    /// (`StoredMessage.deliveryCount`), so `x-delivery-count` and `x-delivery-limit` go on counting
    /// across a restart. Other queues do not call it.
    func countDeliveries(_ deliveries: Int, sequence: UInt64, queue: QueueStoreKey)
    func settle(sequence: UInt64, queue: QueueStoreKey)
    /// Messages still held for the queue, in append order.
    func recover(queue: QueueStoreKey) -> [StoredMessage]
    /// What `recover` found wrong with the queue's log (nil when nothing): a log that could not be
    /// opened makes the queue failed; segments set aside are reported with what they held.
    func problems(queue: QueueStoreKey) -> QueueStorageProblems?
    func removeQueue(_ queue: QueueStoreKey)

    /// Appends accepted so far.
    var appendCount: UInt64 { get }
    /// Appends known to be on stable storage.
    var durableAppendCount: UInt64 { get }
    /// Appends that failed.
    var failedAppendCount: UInt64 { get }
    /// Whether anything was appended or settled since the last `sync()`.
    var needsSync: Bool { get }
    /// Writes buffered settlements and delivered marks without fsync, so a crash of the process
    /// (not of the machine) does not lose them; called at the end of every read burst.
    func writeBuffered()
    /// Makes every append and settlement so far durable (fsync), then advances `durableAppendCount`.
    func sync() throws
    /// `sync()` with its fsyncs handed out (see `StoreSync`): `durableAppendCount` moves when the
    /// returned batch finishes without failure. One at a time; appends may go on meanwhile.
    func beginSync() -> StoreSync

    /// Whether `readStored` gives messages back: a queue pages the bodies of its stored messages
    /// (keeps only their sequence) only then.
    var canReadStored: Bool { get }
    /// Reads the queue's stored messages with sequences `first...last` (one sequential pass) and
    /// hands those still held to `body`, in sequence order.
    func readStored(
        queue: QueueStoreKey, from first: UInt64, through last: UInt64, _ body: (UInt64, Message) -> Void) throws
    /// `readStored` of `first...last` as a read to run on the read-ahead thread (`PagedReadAhead`); nil when
    /// the store cannot read off the loop (the queue then reads with `readStored` when it needs the messages).
    func readAhead(queue: QueueStoreKey, from first: UInt64, through last: UInt64) -> PagedRead?
    /// `recover(queue:)` that keeps the bodies of the oldest messages only, up to `bodyBudget` bytes:
    /// the rest come back as index entries (`RecoveredMessages.paged`), read again when they near the head.
    func recover(queue: QueueStoreKey, bodyBudget: Int) -> RecoveredMessages

    /// `x-message-deduplication` with a window kept on disk (`x-cache-ttl`, `x-cache-persistence: disk`):
    /// from now on the store keeps the queue's message records `windowMilliseconds` after they were
    /// stored, settled or not, and returns the deduplication keys (`key`) of those stored within the
    /// window, oldest first, with their age. nil when the store keeps no such history (in memory).
    func retainDeduplicationWindow(
        queue: QueueStoreKey, windowMilliseconds: UInt64, key: (Message) -> String?
    ) -> [(key: String, ageMilliseconds: UInt64)]?
}

/// A durable queue's recovered messages in append order: `messages` (with bodies) come first, then `paged`.
public struct RecoveredMessages {
    public var messages: [StoredMessage]
    /// Sequence, size, priority, delivered flag and delivery count of the rest (`isSpilled` false).
    public var paged: PagedIndex

    public init(messages: [StoredMessage], paged: PagedIndex = PagedIndex()) {
        self.messages = messages
        self.paged = paged
    }
}

extension QueueStore {
    /// Stores without files (in memory) sync at once.
    public func beginSync() -> StoreSync {
        let batch = StoreSync()
        do {
            try self.sync()
        } catch {
            batch.beginFailed(error)
        }
        return batch
    }

    public var canReadStored: Bool { false }

    public func readStored(
        queue: QueueStoreKey, from first: UInt64, through last: UInt64, _ body: (UInt64, Message) -> Void
    ) throws {}

    public func readAhead(queue: QueueStoreKey, from first: UInt64, through last: UInt64) -> PagedRead? { nil }

    /// Stores that cannot read back keep every body.
    public func recover(queue: QueueStoreKey, bodyBudget: Int) -> RecoveredMessages {
        RecoveredMessages(messages: self.recover(queue: queue))
    }

    /// Stores without files keep no deduplication history: the queue rebuilds its window from the
    /// messages it recovers.
    public func retainDeduplicationWindow(
        queue: QueueStoreKey, windowMilliseconds: UInt64, key: (Message) -> String?
    ) -> [(key: String, ageMilliseconds: UInt64)]? { nil }

    /// Stores that cannot fail to open (in memory) have no problems to report.
    public func problems(queue: QueueStoreKey) -> QueueStorageProblems? { nil }
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
    /// Whether it had gone to a consumer before the restart.
    public var delivered: Bool
    /// Deliveries counted by `countDeliveries` before the restart (0 when none were).
    public var deliveryCount: Int

    public init(sequence: UInt64, message: Message, delivered: Bool, deliveryCount: Int = 0) {
        self.sequence = sequence
        self.message = message
        self.delivered = delivered
        self.deliveryCount = deliveryCount
    }
}
