import DequeModule
import JunctionModel
import JunctionStorage
import Logging
import NIOCore

/// One durable queue on disk: a message log (sequence = log offset) and an ack log. Settlements
/// and the delivered mark are buffered and written to the ack log once per group commit; the
/// message log's fully settled prefix is truncated (whole segments deleted) as the watermark moves.
final class DurableQueueLog {
    let directory: String
    let messages: SegmentedLog
    /// The time of records (wall clock, ms): their log timestamps and the deduplication window.
    let clock: () -> Int64
    /// `x-message-deduplication` with a window on disk: message records are kept this many ms after they
    /// were stored, settled or not, so a restart finds their ids (`DurableQueueLog+Deduplication`); 0: none.
    var deduplicationWindow: Int64 = 0
    private let acks: SegmentedLog
    /// Live sequences in append order; settled ones are dropped from the front lazily.
    private var live: Deque<UInt64> = []
    private var settledAhead: Set<UInt64> = []
    private var pendingSettled: [UInt64] = []
    /// Every sequence below this has been delivered at least once.
    private var deliveredThrough: UInt64 = 0
    private var deliveredDirty = false
    /// A quorum queue's delivery counts of live messages (`countDeliveries`), and those not yet in
    /// an ack record. Empty for every other queue.
    private var deliveryCounts: [UInt64: UInt32] = [:]
    private var pendingDeliveryCounts: [QueueAckRecord.DeliveryCount] = []
    private var ackRecordsSinceCheckpoint = 0
    /// Appended since the message log was last fsynced.
    private var hasUnsyncedMessages = false
    private var lastAckSync: Int64 = 0
    static let ackSyncInterval: Int64 = 200
    /// A checkpoint written but not yet synced: the ack log before it can go after the next fsync.
    private var checkpointOffset: LogOffset?
    private(set) var dirty = false
    /// The index of the recovered messages, handed to the queue once when it is declared.
    private var recovered: PagedIndex?

    static let checkpointEvery = 1024

    init(
        directory: String, configuration: SegmentedLogConfiguration, fileSystem: any LogFileSystem, logger: Logger,
        clock: @escaping () -> Int64 = SegmentedLog.wallClockMilliseconds
    ) throws {
        self.directory = directory
        self.clock = clock
        self.messages = try SegmentedLog(
            directory: directory + "/messages", configuration: configuration, fileSystem: fileSystem)
        // One ack record per read burst at most: written at once, as the burst ends, with no buffer of its own.
        var ackConfiguration = configuration
        ackConfiguration.writeBufferBytes = 0
        self.acks = try SegmentedLog(
            directory: directory + "/acks", configuration: ackConfiguration, fileSystem: fileSystem)
        for (name, report) in [("messages", self.messages.recoveryReport), ("acks", self.acks.recoveryReport)] {
            if !report.isClean {
                logger.warning("recovered queue log", metadata: ["log": "\(directory)/\(name)", "report": "\(report)"])
            }
        }
        try self.recover(logger: logger)
    }

    private func recover(logger: Logger) throws {
        var watermark: UInt64 = 0
        var settled: Set<UInt64> = []
        var counts: [UInt64: UInt32] = [:]
        var offset = self.acks.firstOffset
        while offset < self.acks.nextOffset {
            let records = try self.acks.read(from: offset, maxRecords: 1024, maxBytes: 4 << 20)
            guard let last = records.last else { break }
            for record in records {
                guard let ack = QueueAckRecord(decoding: record.value) else {
                    logger.error("skipping unreadable ack record", metadata: ["log": "\(self.directory)/acks"])
                    continue
                }
                watermark = max(watermark, ack.watermark)
                self.deliveredThrough = max(self.deliveredThrough, ack.deliveredThrough)
                settled.formUnion(ack.settled)
                for count in ack.deliveryCounts {
                    counts[count.sequence] = max(counts[count.sequence] ?? 0, count.deliveries)
                }
            }
            offset = last.offset.advanced(by: 1)
        }
        // The index of what is left, without the bodies: they are read again for the queue's
        // in-memory window only (`takeRecovered(bodyBudget:)`) and as the queue drains.
        var index = PagedIndex()
        var position = LogOffset(Int64(watermark))
        if position < self.messages.firstOffset { position = self.messages.firstOffset }
        while position < self.messages.nextOffset {
            // Small reads: the records are dropped as soon as their index entries are taken.
            let records = try self.messages.read(from: position, maxRecords: 1024, maxBytes: 1 << 20)
            guard let last = records.last else { break }
            for record in records {
                let sequence = UInt64(record.offset.rawValue)
                guard sequence >= watermark, !settled.contains(sequence) else { continue }
                do {
                    let message = try MessageRecordCodec.decode(record.value)
                    let deliveries = counts[sequence] ?? 0
                    index.append(
                        PagedMessage(
                            offset: sequence, size: UInt32(clamping: message.body.readableBytes),
                            priority: message.properties.priority ?? 0, deliveryCount: deliveries,
                            redelivered: sequence < self.deliveredThrough, persistent: true, spilled: false))
                    self.live.append(sequence)
                    if deliveries > 0 { self.deliveryCounts[sequence] = deliveries }
                } catch {
                    logger.error(
                        "skipping undecodable message record",
                        metadata: ["log": "\(self.directory)/messages", "offset": "\(sequence)", "error": "\(error)"]
                    )
                }
            }
            position = last.offset.advanced(by: 1)
        }
        self.recovered = index
        // Start the ack log afresh from a checkpoint, so its history can be dropped.
        self.ackRecordsSinceCheckpoint = Self.checkpointEvery
        self.dirty = true
    }

    /// Segments of the message and ack logs that recovery set aside as `.log.corrupt`.
    var quarantined: [RecoveryReport.Quarantine] {
        self.messages.recoveryReport.quarantined + self.acks.recoveryReport.quarantined
    }

    /// The recovered messages: the oldest with their bodies (read again here) up to `bodyBudget`
    /// bytes, then the index of the rest.
    func takeRecovered(bodyBudget: Int) throws -> RecoveredMessages {
        var index = self.recovered ?? PagedIndex()
        self.recovered = nil
        var kept: [PagedMessage] = []
        var bytes = 0
        while let head = index.first, bytes + Int(head.size) <= bodyBudget {
            bytes += Int(head.size)
            kept.append(head)
            index.popFirst()
        }
        var messages: [StoredMessage] = []
        messages.reserveCapacity(kept.count)
        if let first = kept.first, let last = kept.last {
            var next = 0
            try self.read(from: first.offset, through: last.offset) { sequence, message in
                while next < kept.count && kept[next].offset < sequence { next += 1 }
                guard next < kept.count, kept[next].offset == sequence else { return }
                let entry = kept[next]
                messages.append(
                    StoredMessage(
                        sequence: sequence, message: message, delivered: entry.redelivered,
                        deliveryCount: Int(entry.deliveryCount)))
            }
        }
        return RecoveredMessages(messages: messages, paged: index)
    }

    /// Stored messages `first...last` read back (paged bodies), in sequence order.
    func read(from first: UInt64, through last: UInt64, _ body: (UInt64, Message) -> Void) throws {
        try SpillLog.read(self.messages, from: first, through: last, body)
    }

    /// `read(from:through:)` to run off the loop; nil when it cannot (the queue reads on the loop then).
    func readAhead(from first: UInt64, through last: UInt64) -> PagedRead? {
        SpillLog.readAhead(self.messages, from: first, through: last)
    }

    func append(_ message: Message, timestamp: Int64) throws -> UInt64 {
        // Encoded straight into the log's batch: no record buffer of its own (two allocations and a copy of
        // the body per message, ~5% of the engine loop in the SQS benchmark).
        let result = try self.messages.append(timestamp: timestamp) { MessageRecordCodec.write(message, into: &$0) }
        let sequence = UInt64(result.firstOffset.rawValue)
        self.live.append(sequence)
        self.dirty = true
        self.hasUnsyncedMessages = true
        return sequence
    }

    func delivered(_ sequence: UInt64) {
        if sequence + 1 > self.deliveredThrough {
            self.deliveredThrough = sequence + 1
            self.deliveredDirty = true
            self.dirty = true
        }
    }

    func countDeliveries(_ deliveries: Int, sequence: UInt64) {
        let count = UInt32(clamping: deliveries)
        self.deliveryCounts[sequence] = count
        self.pendingDeliveryCounts.append(QueueAckRecord.DeliveryCount(sequence: sequence, deliveries: count))
        self.dirty = true
    }

    func settle(_ sequence: UInt64) {
        self.pendingSettled.append(sequence)
        if !self.deliveryCounts.isEmpty { self.deliveryCounts[sequence] = nil }
        if self.live.first == sequence {
            self.live.removeFirst()
            while let first = self.live.first, self.settledAhead.remove(first) != nil {
                self.live.removeFirst()
            }
        } else {
            self.settledAhead.insert(sequence)
        }
        self.dirty = true
    }

    /// Every sequence below this is settled.
    private var watermark: UInt64 {
        self.live.first ?? UInt64(self.messages.nextOffset.rawValue)
    }

    /// Writes buffered appends to the message log, without fsync: they then survive a crash of the process.
    func writeBufferedMessages() throws {
        guard self.hasUnsyncedMessages else { return }
        try self.messages.writeBuffered()
    }

    /// Makes the appends durable (what confirms wait for).
    func syncMessages() throws {
        guard self.hasUnsyncedMessages || self.messages.hasDeferredFileWork else { return }
        try self.messages.sync()
        self.hasUnsyncedMessages = false
    }

    /// Writes buffered settlements and the delivered mark to the ack log, without fsync: they then
    /// survive a crash of the process (not of the machine) and the next `sync()` makes them durable.
    func writePending() throws {
        let checkpoint = self.ackRecordsSinceCheckpoint >= Self.checkpointEvery
        guard !self.pendingSettled.isEmpty || self.deliveredDirty || checkpoint || !self.pendingDeliveryCounts.isEmpty
        else { return }
        let watermark = self.watermark
        let record = QueueAckRecord(
            watermark: watermark,
            deliveredThrough: self.deliveredThrough,
            settled: checkpoint
                ? self.settledAhead.filter { $0 >= watermark }.sorted()
                : self.pendingSettled.filter { $0 >= watermark },
            deliveryCounts: checkpoint
                ? self.deliveryCounts.map { QueueAckRecord.DeliveryCount(sequence: $0.key, deliveries: $0.value) }
                    .sorted { $0.sequence < $1.sequence }
                : self.pendingDeliveryCounts.filter { $0.sequence >= watermark }
        )
        let appended = try self.acks.append([LogEntry(timestamp: 0, value: record.encode())])
        if checkpoint {
            self.ackRecordsSinceCheckpoint = 0
            self.checkpointOffset = appended.firstOffset
        } else {
            self.ackRecordsSinceCheckpoint += 1
        }
        self.pendingSettled.removeAll(keepingCapacity: true)
        self.pendingDeliveryCounts.removeAll(keepingCapacity: true)
        self.deliveredDirty = false
    }

    /// Writes what is pending and fsyncs the message log (what confirms wait for). The ack log is
    /// fsynced at most every `ackSyncInterval`: an acknowledgement lost in a machine crash only makes
    /// a message come back (at-least-once), so it need not cost a second fsync on every group
    /// commit of the engine loop. Truncation waits for the ack records that justify it to be durable.
    func sync(nowMilliseconds: Int64) throws {
        guard self.dirty else { return }
        try self.syncMessages()
        try self.writePending()
        guard
            nowMilliseconds - self.lastAckSync >= Self.ackSyncInterval || self.checkpointOffset != nil
                || self.acks.hasDeferredFileWork
        else {
            return  // still dirty: the ack log is synced on a later group commit
        }
        let watermark = self.watermark
        try self.acks.sync()
        self.lastAckSync = nowMilliseconds
        self.dirty = false
        // Only once the ack records are durable may the messages they settle, and the ack history
        // before the last checkpoint, disappear.
        if let checkpoint = self.checkpointOffset {
            self.checkpointOffset = nil
            try Self.truncateWholeSegments(self.acks, before: checkpoint)
        }
        try Self.truncateWholeSegments(self.messages, before: self.truncationTarget(watermark: watermark))
        self.keepDirtyForDeferredFileWork()
    }

    /// Truncation writes the log-start checkpoint (a file fsynced, renamed, and its directory fsynced) on
    /// the engine loop, so it is done only when it frees a whole segment, not at every group commit (at
    /// 5,000 persistent msg/s with a consumer that was ~17 fsyncs a second on the loop). What stays below
    /// the watermark in the first segment costs nothing at recovery: messages start at the highest ack
    /// watermark, and older ack records only repeat what later ones say (watermark and counts take the
    /// maximum, settlements the union).
    private static func truncateWholeSegments(_ log: SegmentedLog, before target: LogOffset) throws {
        let bases = log.segmentBaseOffsets
        guard bases.count > 1, target >= bases[1] else { return }
        try log.truncate(before: target)
    }

    /// One queue's part of a group commit whose fsyncs run elsewhere (see `StoreSync`).
    struct SyncPart {
        var messages: LogSyncRequest?
        /// The ack log's fsync is due in this commit (it may still be nil: nothing to sync).
        var acksDue = false
        var acks: LogSyncRequest?
        var watermark: UInt64 = 0
        var checkpoint: LogOffset?
    }

    /// The first half of `sync(nowMilliseconds:)`: writes what is pending and takes the fsyncs.
    func beginSync(nowMilliseconds: Int64) throws -> SyncPart? {
        guard self.dirty else { return nil }
        var part = SyncPart()
        do {
            if self.hasUnsyncedMessages || self.messages.hasDeferredFileWork {
                part.messages = try self.messages.beginSync()
                self.hasUnsyncedMessages = false
            }
            try self.writePending()
            part.checkpoint = self.checkpointOffset
            if nowMilliseconds - self.lastAckSync >= Self.ackSyncInterval || part.checkpoint != nil
                || self.acks.hasDeferredFileWork
            {
                part.acksDue = true
                part.watermark = self.watermark
                part.acks = try self.acks.beginSync()
                // Settlements made from now on set it again.
                self.dirty = false
            }
        } catch {
            self.hasUnsyncedMessages = self.hasUnsyncedMessages || part.messages != nil
            self.dirty = true
            throw error
        }
        return part
    }

    /// The second half, on the loop, with the outcomes of the part's fsyncs.
    func finishSync(
        _ part: SyncPart, messagesFailure: (any Error)?, acksFailure: (any Error)?, nowMilliseconds: Int64
    ) throws {
        do {
            if let request = part.messages { try self.messages.finishSync(request, failure: messagesFailure) }
            guard part.acksDue else { return }
            // Not run because another log's fsync failed: the ack log itself is fine, and waits.
            if let skipped = acksFailure as? SyncSkipped { throw skipped }
            if let request = part.acks { try self.acks.finishSync(request, failure: acksFailure) }
        } catch {
            // Kept dirty: the next group commit tries again (the failed log repairs itself first).
            self.hasUnsyncedMessages = self.hasUnsyncedMessages || part.messages != nil
            self.dirty = true
            throw error
        }
        self.lastAckSync = nowMilliseconds
        // Only once the ack records are durable may the messages they settle, and the ack history
        // before the last checkpoint, disappear.
        if let checkpoint = part.checkpoint {
            if self.checkpointOffset == checkpoint { self.checkpointOffset = nil }
            try Self.truncateWholeSegments(self.acks, before: checkpoint)
        }
        try Self.truncateWholeSegments(self.messages, before: self.truncationTarget(watermark: part.watermark))
        self.keepDirtyForDeferredFileWork()
    }

    /// A roll or truncation leaves file work to the next group commit (`defersSegmentFileWork`): the queue
    /// stays dirty so that one comes, and the files go even when nothing else happens.
    private func keepDirtyForDeferredFileWork() {
        if self.messages.hasDeferredFileWork || self.acks.hasDeferredFileWork { self.dirty = true }
    }

    func close() {
        try? self.messages.close()
        try? self.acks.close()
    }
}

@available(*, unavailable)
extension DurableQueueLog: Sendable {}
