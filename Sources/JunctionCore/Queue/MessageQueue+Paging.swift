import JunctionModel
import Logging

/// Paging: a queue keeps the bodies of its ready messages in memory up to its budget (and all
/// queues up to the global one, see `QueuePaging`); past it, a new message keeps only a 32-byte
/// `PagedMessage` index entry, and its body stays on disk: a persistent message of a durable queue
/// in the queue store's log where it already is (nothing more is written), any other message in
/// the queue's spill log (`SpillLog`). Once a priority level has paged messages, its new messages
/// are paged too, so order holds. When the head is wanted and its level holds no message in memory,
/// a window of paged messages is read back (`loadPaged`): one sequential read per run of nearby
/// offsets, not one per message; after the first window of a drain, the next run is read ahead on the
/// read-ahead thread (`MessageQueue+ReadAhead`), so the loop reads only what that did not cover.
///
/// Every feature works on paged messages, because each acts on the head or on counts: expiry looks
/// at the paged head's expiry and loads it to dead-letter it; max-length and `drop-head` count paged
/// messages and bytes; purge settles their stored copies unread; delete drops them and the spill
/// log. Deduplication queues (`x-message-deduplication`) never page: forgetting an id on purge would
/// need every paged body. Messages parked behind a group in flight (`x-message-groups`) stay in memory.
extension MessageQueue {
    /// Whether this queue pages messages at all.
    var pagesMessages: Bool {
        self.paging.isEnabled && self.deduplication == nil && self.settings.stream == nil
    }

    /// Body bytes all queues hold in memory (ready bodies and read-ahead), for the budgets (tests).
    public var pagingInMemoryBytes: Int { self.paging.inMemoryBytes }

    /// Body bytes of ready messages held in memory.
    var inMemoryReadyBytes: Int { self.readyBytes - self.ready.pagedBytes }

    /// Messages and bytes of ready messages paged out (management, tests).
    public var pagedMessageCount: Int { self.ready.pagedCount }
    public var pagedMessageBytes: Int { self.ready.pagedBytes }
    /// Bytes of memory the paged index takes.
    public var pagedIndexBytes: Int { self.ready.pagedIndexBytes }

    /// Pages `entry` (instead of queueing it in memory) when the queue or all queues are over their
    /// budget or its level has paged messages already; counts it in `readyBytes`. False: the caller
    /// keeps it in memory (paging is off for this queue, or there is nowhere to write it).
    func pageOut(_ entry: borrowing QueuedMessage) -> Bool {
        guard self.pagesMessages else { return false }
        let size = entry.size
        let level = self.ready.level(of: entry.message.properties.priority)
        let levelPaged = self.ready.hasPaged(level: level)
        guard levelPaged || self.paging.isOverBudget(queueBytes: self.inMemoryReadyBytes, adding: size) else {
            return false
        }
        guard let paged = self.pagedEntry(for: entry) else {
            // Nowhere to put it: a level with paged messages comes back into memory whole first, so
            // that this message does not overtake them.
            if levelPaged { self.loadAllPaged(level: level) }
            return false
        }
        self.packTail()
        self.ready.appendPaged(paged)
        self.adjustReadyBytes(by: size)
        self.paging.inMemoryBytes -= size
        return true
    }

    private func pagedEntry(for entry: borrowing QueuedMessage) -> PagedMessage? {
        guard let size = UInt32(exactly: entry.size) else { return nil }
        let priority = entry.message.properties.priority ?? 0
        let deliveries = UInt32(clamping: entry.deliveryCount)
        if let sequence = entry.storeSequence, self.store?.canReadStored == true {
            return PagedMessage(
                offset: sequence, size: size, priority: priority, expiresAt: entry.expiresAt ?? .max,
                deliveryCount: deliveries, redelivered: entry.redelivered, persistent: true, spilled: false)
        }
        if self.spill == nil {
            guard !self.spillUnavailable else { return nil }
            self.spill = self.paging.openSpill(queue: self.name)
            self.spillUnavailable = self.spill == nil
        }
        guard let spill = self.spill else { return nil }
        do {
            let offset = try spill.append(entry.message)
            return PagedMessage(
                offset: offset, size: size, priority: priority, expiresAt: entry.expiresAt ?? .max,
                deliveryCount: deliveries, redelivered: entry.redelivered,
                persistent: entry.message.properties.isPersistent, spilled: true)
        } catch {
            self.paging.logger.error(
                "cannot write to the spill log: the queue keeps messages in memory",
                metadata: ["queue": "\(self.name)", "error": "\(error)"])
            spill.remove()
            self.spill = nil
            self.spillUnavailable = true
            return nil
        }
    }

    /// Reads a window of paged messages at the head of `level` back into memory. Always takes at
    /// least one paged message off the level (a body that cannot be read is dropped and logged).
    func loadPaged(level: Int) {
        self.packTail()
        var window: [PagedMessage] = []
        swap(&window, &self.pagingWindow)
        defer {
            window.removeAll(keepingCapacity: true)
            swap(&window, &self.pagingWindow)
        }
        self.ready.takePaged(
            level: level, maxBytes: self.paging.windowBytes, maxCount: QueuePaging.maximumWindowCount, into: &window)
        var loadedBytes = 0
        var missingBytes = 0
        var missingCount = 0
        var spilledBytes = 0
        var start = 0
        while start < window.count {
            // One read per run of one source whose offsets are close: gaps are read and skipped.
            var end = start + 1
            while end < window.count, window[end].isSpilled == window[start].isSpilled,
                window[end].offset > window[end - 1].offset, window[end].offset - window[end - 1].offset <= 64
            {
                end += 1
            }
            var next = start
            let deliver = { (offset: UInt64, message: Message) in
                while next < end && window[next].offset < offset {
                    missingBytes += Int(window[next].size)
                    missingCount += 1
                    next += 1
                }
                guard next < end, window[next].offset == offset else { return }
                let paged = window[next]
                next += 1
                loadedBytes += Int(paged.size)
                if paged.isSpilled { spilledBytes += Int(paged.size) }
                self.ready.appendLoaded(
                    QueuedMessage(
                        message: message, expiresAt: paged.expiry, deliveryCount: Int(paged.deliveryCount),
                        redelivered: paged.redelivered, storeSequence: paged.isSpilled ? nil : paged.offset),
                    level: level)
            }
            let last = window[end - 1].offset
            // What was read ahead off the loop comes from memory; the rest is read here.
            let from = self.takeReadAhead(
                level: level, spilled: window[start].isSpilled, from: window[start].offset, through: last, deliver)
            do {
                if from > last {
                    self.pagedRunsReadAhead += 1
                    // Covered by the read-ahead.
                } else if window[start].isSpilled {
                    self.pagedRunsReadOnLoop += 1
                    try self.spill?.read(from: from, through: last, deliver)
                } else {
                    self.pagedRunsReadOnLoop += 1
                    try self.store?.readStored(queue: self.storeKey, from: from, through: last, deliver)
                }
            } catch {
                self.paging.logger.error(
                    "cannot read paged messages back", metadata: ["queue": "\(self.name)", "error": "\(error)"])
            }
            while next < end {
                missingBytes += Int(window[next].size)
                missingCount += 1
                next += 1
            }
            start = end
        }
        self.paging.inMemoryBytes += loadedBytes + missingBytes
        if missingCount > 0 {
            // Not settled: a stored copy that is really there comes back after a restart.
            self.adjustReadyBytes(by: -missingBytes)
            self.paging.logger.error(
                "paged messages could not be read back and are dropped",
                metadata: ["queue": "\(self.name)", "messages": "\(missingCount)", "bytes": "\(missingBytes)"])
        }
        if let spill = self.spill, spilledBytes > 0 {
            spill.noteRead(bytes: spilledBytes)
            if case .some(let first) = self.ready.firstSpilledOffset(scanLimit: 256) {
                spill.release(before: first)
            }
        }
        // The next run is read while consumers drain this window.
        self.startReadAhead(level: level)
    }

    /// Every paged message of `level` back in memory (when no more can be paged there).
    private func loadAllPaged(level: Int) {
        while self.ready.hasPaged(level: level) { self.loadPaged(level: level) }
    }

    /// Drops the paged messages with the ready ones (purge settles their stored copies; delete does not).
    func removeAllReady(settling: Bool) {
        let pagedBytes = self.ready.pagedBytes
        self.ready.removeAll { paged in
            if settling && !paged.isSpilled { self.store?.settle(sequence: paged.offset, queue: self.storeKey) }
        }
        self.paging.inMemoryBytes += pagedBytes
        self.dropReadAhead()
        self.spill?.release(before: nil)
    }

    /// The queue is gone: its spill log too.
    func removeSpill() {
        self.dropReadAhead()
        self.spill?.remove()
        self.spill = nil
    }

    /// Recovered messages: those with bodies in memory, then the index of the rest.
    func restorePaged(_ entries: inout PagedIndex) {
        guard !entries.isEmpty else { return }
        var bytes = 0
        entries.forEach { bytes += Int($0.size) }
        if let ttl = self.settings.messageTTL {
            let expiry = self.clock.nowMilliseconds() &+ ttl
            entries.updateAll { $0.expiresAt = expiry }
        }
        self.packTail()
        self.ready.adoptPaged(&entries)
        self.adjustReadyBytes(by: bytes)
        self.paging.inMemoryBytes -= bytes
    }
}
