import JunctionModel
public import JunctionStorage
import NIOCore

/// A stream (`x-queue-type: stream`): an append-only log that consumers read with their own cursors.
/// Reading never removes; retention deletes whole old segments. The stream sits behind a
/// `MessageQueue` (`queue`) that exchanges route to and bindings name, so routing, declaration and
/// deletion are shared with classic queues; only enqueue, consume and get differ.
/// Confined to the engine loop.
public final class StreamQueue {
    public let queue: MessageQueue
    let log: any MessageLog
    /// The same log when it is on disk (for retention); nil for an in-memory stream.
    let segmentedLog: SegmentedLog?
    let storage: StreamStorage
    let key: QueueStoreKey
    let clock: any BrokerClock

    var subscriptions: [StreamSubscription] = []
    var groupsByName: [String: StreamConsumerGroup] = [:]
    private var nextDeliveryID: UInt64 = 1
    private var isDispatching = false
    private var needsAnotherPass = false
    /// The message appended last, so tail readers get it without reading it back.
    var tail: (offset: LogOffset, message: Message)?
    /// Its index when it is a partition of a partitioned stream (deliveries carry `x-partition`).
    public internal(set) var partitionIndex: Int?
    /// The partitioned stream it belongs to, by name.
    public internal(set) var partitionOf: String?
    /// Shared groups: the lock of an acquired message, and how often one may be delivered.
    let shareSettings: ShareSettings
    public private(set) var isDeleted = false
    /// Messages appended since the stream was opened, and deliveries made.
    public private(set) var appendedCount = 0
    public private(set) var deliveredCount = 0

    /// Records and bytes read from the log per batch (bounded further by the reader's credit).
    static let readBatchRecords = 512
    static let readBatchBytes = 1 << 20

    init(
        queue: MessageQueue, log: any MessageLog, segmentedLog: SegmentedLog?, storage: StreamStorage,
        clock: any BrokerClock, shareSettings: ShareSettings = ShareSettings()
    ) {
        self.shareSettings = shareSettings
        self.queue = queue
        self.log = log
        self.segmentedLog = segmentedLog
        self.storage = storage
        self.clock = clock
        self.key = QueueStoreKey(virtualHost: queue.host?.name ?? "", queue: queue.name)
    }

    public var name: String { self.queue.name }
    public var firstOffset: LogOffset { self.log.firstOffset }
    /// The offset the next message will get.
    public var nextOffset: LogOffset { self.log.nextOffset }
    /// Messages retained.
    public var messageCount: Int { Int(self.log.nextOffset.rawValue - self.log.firstOffset.rawValue) }
    public var consumerCount: Int { self.subscriptions.count }
    /// Bytes of segment files (0 in memory).
    public var sizeInBytes: Int64 { self.segmentedLog?.sizeInBytes ?? 0 }

    /// Every consumer group with its committed offset, lag and active member, by name.
    public var groups: [StreamGroupInfo] {
        let last = self.log.nextOffset.rawValue - 1
        return self.groupsByName.values.sorted { $0.name < $1.name }.map { group in
            let committed = group.committedOffset?.rawValue
            let lag = max(0, last - (committed ?? (self.log.firstOffset.rawValue - 1)))
            let isShared = group.share != nil
            return StreamGroupInfo(
                name: group.name,
                committedOffset: committed,
                lag: lag,
                activeConsumerTag: isShared ? nil : group.active?.tag,
                memberCount: group.members.count,
                isShared: isShared
            )
        }
    }

    // MARK: Append

    /// Appends a routed message and wakes the readers at the tail. False when the log refused it.
    func append(_ message: Message) -> Bool {
        guard !self.isDeleted else { return false }
        let now = Int64(clamping: self.clock.nowMilliseconds())
        let entry = LogEntry(timestamp: now, value: MessageRecordCodec.encode(message))
        let offset: LogOffset
        do {
            offset = try self.log.append([entry]).firstOffset
        } catch {
            self.storage.appendFailed(error, stream: self.key)
            return false
        }
        self.storage.appended(to: self.log)
        self.appendedCount += 1
        self.tail = (offset, message)
        self.dispatch()
        return true
    }

    // MARK: Consumers

    func subscribe(
        tag: String,
        consumer: any StreamConsumer,
        start: StreamOffsetSpec,
        group groupName: String?,
        shared: Bool = false,
        prefetch: Int,
        owner: ConnectionID
    ) -> StreamSubscription {
        var group: StreamConsumerGroup?
        if let groupName {
            let existing = self.groupsByName[groupName] ?? StreamConsumerGroup(name: groupName, committedOffset: nil)
            self.groupsByName[groupName] = existing
            group = existing
        }
        if shared, let group {
            return self.subscribeShared(
                tag: tag, consumer: consumer, start: start, group: group, prefetch: prefetch, owner: owner)
        }
        let becomesActive = group?.active == nil
        let subscription = StreamSubscription(
            tag: tag,
            stream: self,
            group: groupName,
            owner: owner,
            consumer: consumer,
            start: start,
            prefetch: prefetch,
            position: .zero,
            isActive: becomesActive
        )
        if let group {
            if becomesActive {
                group.activate(subscription, in: self.log)
            } else {
                subscription.position = self.log.nextOffset
            }
            group.members.append(subscription)
        } else {
            subscription.position = start.startOffset(in: self.log)
        }
        self.subscriptions.append(subscription)
        return subscription
    }

    /// Cancel: the consumer goes; in a group, the next member becomes active at the committed offset.
    func remove(_ subscription: StreamSubscription) {
        let wasActive = subscription.isActive
        subscription.markCancelled()
        self.subscriptions.removeAll { $0 === subscription }
        guard let name = subscription.group, let group = self.groupsByName[name] else { return }
        group.members.removeAll { $0 === subscription }
        if group.share != nil {
            self.releaseLocks(of: subscription, in: group)
            return
        }
        guard wasActive else { return }
        group.deactivated(subscription)
        if let next = group.active {
            group.activate(next, in: self.log)
            self.dispatch()
        }
    }

    /// An acknowledged prefix of a group's active member: the group's committed offset moves forward
    /// in memory now and is written to the metadata store at the next group commit.
    func commit(group name: String, through offset: LogOffset) {
        guard let group = self.groupsByName[name], (group.committedOffset ?? LogOffset(-1)) < offset else { return }
        group.committedOffset = offset
        self.storage.offsetCommitted(stream: self.key, group: name, offset: offset)
    }

    /// Groups restored from the metadata store (start-up).
    func restoreGroup(_ name: String, committedOffset: LogOffset) {
        self.groupsByName[name] = StreamConsumerGroup(name: name, committedOffset: committedOffset)
    }

    // MARK: Dispatch

    /// Delivers to every active reader with credit, from its position up to the end of the log.
    /// Re-entrant calls (acks from inside `deliver`) ask the outer loop for another pass.
    func dispatch() {
        guard !self.isDispatching else {
            self.needsAnotherPass = true
            return
        }
        self.isDispatching = true
        defer { self.isDispatching = false }
        repeat {
            self.needsAnotherPass = false
            var index = 0
            while index < self.subscriptions.count, !self.isDeleted {
                let subscription = self.subscriptions[index]
                if subscription.isShareMember {
                    if let name = subscription.group, let group = self.groupsByName[name] { self.pumpShared(group) }
                } else {
                    self.pump(subscription)
                }
                index += 1
            }
        } while self.needsAnotherPass && !self.isDeleted
    }

    private func pump(_ subscription: StreamSubscription) {
        while subscription.canReceive {
            let position = max(subscription.position, self.log.firstOffset)
            guard position < self.log.nextOffset else { return }
            if let tail = self.tail, tail.offset == position {
                self.deliver(tail.message, offset: position, to: subscription)
                continue
            }
            let records: [LogRecord]
            do {
                records = try self.log.read(
                    from: position,
                    maxRecords: min(subscription.credit, Self.readBatchRecords),
                    maxBytes: Self.readBatchBytes
                )
            } catch {
                self.storage.readFailed(error, stream: self.key)
                return
            }
            guard !records.isEmpty else { return }
            for record in records {
                guard subscription.canReceive, subscription.position <= record.offset else { break }
                do {
                    let message = try MessageRecordCodec.decode(record.value)
                    self.deliver(message, offset: record.offset, to: subscription)
                } catch {
                    // A record that does not decode is skipped, not redelivered forever.
                    self.storage.readFailed(error, stream: self.key)
                    subscription.position = record.offset.advanced(by: 1)
                }
            }
        }
    }

    private func deliver(_ message: Message, offset: LogOffset, to subscription: StreamSubscription) {
        let id = self.takeDeliveryID()
        let redelivered = subscription.tookDelivery(id, offset: offset)
        self.handOver(message, offset: offset, id: id, redelivered: redelivered, to: subscription)
    }

    func takeDeliveryID() -> DeliveryID {
        defer { self.nextDeliveryID += 1 }
        return DeliveryID(self.nextDeliveryID)
    }

    func handOver(
        _ message: Message, offset: LogOffset, id: DeliveryID, redelivered: Bool, to subscription: StreamSubscription
    ) {
        self.deliveredCount += 1
        subscription.consumer.deliver(
            StreamDelivery(
                subscription: subscription, id: id, offset: offset.rawValue, partition: self.partitionIndex,
                redelivered: redelivered, message: message)
        )
    }

    // MARK: Lifecycle

    /// Deletes whole segments past `x-max-age` / `x-max-length-bytes` (called on the expiry timer).
    func enforceRetention() {
        guard let segmentedLog = self.segmentedLog else { return }
        do {
            // The queue's settings, not the log's: a policy may have changed them since it opened.
            let retention = self.queue.settings.stream
            try segmentedLog.enforceRetention(
                maxAgeMilliseconds: retention?.maxAgeMilliseconds, maxBytes: retention?.maxLengthBytes)
        } catch {
            self.storage.readFailed(error, stream: self.key)
        }
    }

    /// The stream was deleted: every consumer is cancelled (returned, to be notified by the caller).
    func tearDown() -> (cancelled: [StreamSubscription], groups: [String]) {
        self.isDeleted = true
        let cancelled = self.subscriptions
        self.subscriptions.removeAll()
        for subscription in cancelled { subscription.markCancelled() }
        let groups = Array(self.groupsByName.keys)
        self.groupsByName.removeAll()
        return (cancelled, groups)
    }
}

@available(*, unavailable)
extension StreamQueue: Sendable {}
