import JunctionModel

/// The queue store and the streams, committed together: a publish's durability ticket counts
/// appends to both, so one `DurabilityMonitor` confirms publishes to classic queues and streams
/// alike, and one group commit syncs queue logs, stream logs, delay logs (`Delay/`) and
/// consumer-group offsets.
final class GroupCommitStore: QueueStore {
    let queues: any QueueStore
    let streams: StreamStorage
    let delays: DelayStorage
    /// `appendCount` at the last successful sync.
    private var syncedAppendCount: UInt64 = 0

    init(queues: any QueueStore, streams: StreamStorage, delays: DelayStorage) {
        self.queues = queues
        self.streams = streams
        self.delays = delays
    }

    func append(_ message: Message, queue: QueueStoreKey) -> UInt64? { self.queues.append(message, queue: queue) }
    func delivered(sequence: UInt64, queue: QueueStoreKey) { self.queues.delivered(sequence: sequence, queue: queue) }
    func countDeliveries(_ deliveries: Int, sequence: UInt64, queue: QueueStoreKey) {
        self.queues.countDeliveries(deliveries, sequence: sequence, queue: queue)
    }
    func settle(sequence: UInt64, queue: QueueStoreKey) { self.queues.settle(sequence: sequence, queue: queue) }
    func recover(queue: QueueStoreKey) -> [StoredMessage] { self.queues.recover(queue: queue) }
    func problems(queue: QueueStoreKey) -> QueueStorageProblems? { self.queues.problems(queue: queue) }
    var canReadStored: Bool { self.queues.canReadStored }
    func readStored(
        queue: QueueStoreKey, from first: UInt64, through last: UInt64, _ body: (UInt64, Message) -> Void
    ) throws {
        try self.queues.readStored(queue: queue, from: first, through: last, body)
    }
    func readAhead(queue: QueueStoreKey, from first: UInt64, through last: UInt64) -> PagedRead? {
        self.queues.readAhead(queue: queue, from: first, through: last)
    }
    func recover(queue: QueueStoreKey, bodyBudget: Int) -> RecoveredMessages {
        self.queues.recover(queue: queue, bodyBudget: bodyBudget)
    }
    func retainDeduplicationWindow(
        queue: QueueStoreKey, windowMilliseconds: UInt64, key: (Message) -> String?
    ) -> [(key: String, ageMilliseconds: UInt64)]? {
        self.queues.retainDeduplicationWindow(queue: queue, windowMilliseconds: windowMilliseconds, key: key)
    }
    func removeQueue(_ queue: QueueStoreKey) { self.queues.removeQueue(queue) }

    var appendCount: UInt64 { self.queues.appendCount + self.streams.appendCount + self.delays.appendCount }
    var failedAppendCount: UInt64 {
        self.queues.failedAppendCount + self.streams.failedAppendCount + self.delays.failedAppendCount
    }
    var needsSync: Bool { self.queues.needsSync || self.streams.needsSync || self.delays.needsSync }
    /// With nothing left to sync every append is durable (an in-memory queue store needs no sync);
    /// otherwise what the last sync covered.
    var durableAppendCount: UInt64 {
        self.syncInFlight || self.queues.needsSync || self.streams.hasUnsyncedAppends || self.delays.needsSync
            ? self.syncedAppendCount : self.appendCount
    }
    /// A group commit's fsyncs are running: what it took is not durable yet.
    private var syncInFlight = false

    /// Streams first: a message dead-lettered from a durable queue into a stream must reach the stream's log
    /// before the queue's ack record settles it (queues write their own appends before their ack records).
    /// Delay logs: their messages before the queues' ack records (dead-lettering into a delayed
    /// exchange), their ack records after the queues' messages (a due message reaches its queue first).
    func writeBuffered() {
        self.streams.writeBuffered()
        self.delays.writeBufferedMessages()
        self.queues.writeBuffered()
        self.delays.writePendingAcks()
    }

    /// In the same order as `writeBuffered`, for a crash of the machine.
    func sync() throws {
        let target = self.appendCount
        try self.streams.sync()
        try self.delays.syncMessages()
        if self.queues.needsSync { try self.queues.sync() }
        try self.delays.syncAcks()
        self.syncedAppendCount = target
    }

    /// In the same order as `sync()`: stream logs, delay message logs, queue message logs, then
    /// (behind the barrier) queue ack logs and delay ack logs.
    func beginSync() -> StoreSync {
        let target = self.appendCount
        let batch = StoreSync()
        self.syncInFlight = true
        self.streams.beginSync(into: batch)
        let delays = self.delays.beginSyncMessages(into: batch)
        if let queues = self.queues as? LogQueueStore {
            queues.beginSync(into: batch)
        } else {
            if self.queues.needsSync {
                // A store without files (in memory): synced here, its failure fails the commit.
                do { try self.queues.sync() } catch { batch.beginFailed(error) }
            }
            batch.barrier()
        }
        self.delays.beginSyncAcks(into: batch, delays)
        batch.onFinish { [self] in
            self.syncInFlight = false
        }
        batch.onSuccess { [self] in
            self.syncedAppendCount = max(self.syncedAppendCount, target)
        }
        return batch
    }
}

@available(*, unavailable)
extension GroupCommitStore: Sendable {}
