import Foundation
public import JunctionModel
public import JunctionStorage
public import Logging

/// The durable `QueueStore`: one `DurableQueueLog` per durable queue under
/// `<root>/<vhost>/<queue>/` (names percent-encoded). Appends collect in each log's write buffer and
/// reach the page cache at the end of the read burst (`writeBuffered`), before its confirms go out;
/// `sync()` — called by the server on the group-commit timer, or at the end of every read burst
/// under `fsync: always` — makes them durable and moves `durableAppendCount`.
public final class LogQueueStore: QueueStore {
    public let root: String
    private let configuration: SegmentedLogConfiguration
    private let fileSystem: any LogFileSystem
    private let logger: Logger
    /// Wall-clock milliseconds: the timestamps of message records, which a deduplication window reads.
    private let clock: () -> Int64
    /// Whether the last append failed: a full disk is logged when appends start and stop failing, not per message.
    private var appendsFailing = false
    private var queues: [QueueStoreKey: DurableQueueLog] = [:]
    private var dirtyQueues: [QueueStoreKey: DurableQueueLog] = [:]
    /// The queue the last call was for, and its log; and the log last put in `dirtyQueues` (still there).
    /// A burst's appends, deliveries and settles are mostly for one queue: each looked its log up and marked
    /// it dirty by hashing the vhost and queue names twice (~3% of the engine loop under SQS load). A key
    /// compares equal to the same queue's key by its strings' identity, before any byte is read.
    private var lastKey: QueueStoreKey?
    private var lastLog: DurableQueueLog?
    private var lastDirty: DurableQueueLog?
    /// Queues whose log could not be opened at start-up (why), and what recovery set aside.
    private var problemsByQueue: [QueueStoreKey: QueueStorageProblems] = [:]

    public private(set) var appendCount: UInt64 = 0
    public private(set) var durableAppendCount: UInt64 = 0
    public private(set) var failedAppendCount: UInt64 = 0
    /// A queue's appends are written when this many bytes wait, whatever the burst.
    static let writeBufferBytes = 256 * 1024

    /// - Parameters:
    ///   - maxSegmentBytes: roll size of message-log segments.
    ///   - fileSystem: the file seam of the logs (tests inject full and failing disks).
    ///   - clock: wall-clock milliseconds for record timestamps (tests move it by hand).
    public init(
        root: String, maxSegmentBytes: Int, fileSystem: any LogFileSystem = PosixLogFileSystem(), logger: Logger,
        clock: @escaping () -> Int64 = SegmentedLog.wallClockMilliseconds
    ) throws {
        self.root = root
        self.clock = clock
        self.fileSystem = fileSystem
        self.logger = logger
        // The store decides when to fsync (group commit); the log never syncs on its own. Appends are
        // buffered and written once per read burst (`writeBuffered`, before any confirm or ack goes
        // out) or group commit: one `pwrite` per burst per queue instead of one per message.
        var configuration = SegmentedLogConfiguration(
            maxSegmentBytes: Int64(maxSegmentBytes),
            fsyncPolicy: .never,
            writeBufferBytes: Self.writeBufferBytes
        )
        // Rolls and truncations leave their fsyncs and unlinks to the next group commit's I/O thread.
        configuration.defersSegmentFileWork = true
        self.configuration = configuration
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    public var needsSync: Bool { !self.dirtyQueues.isEmpty }

    /// The durable queues that have a directory, found at start-up (for queues whose declaration
    /// did not survive, so their logs can be reported or removed).
    public func storedQueues() -> [QueueStoreKey] {
        let fileManager = FileManager.default
        var keys: [QueueStoreKey] = []
        for vhost in (try? fileManager.contentsOfDirectory(atPath: self.root)) ?? [] {
            for queue in (try? fileManager.contentsOfDirectory(atPath: self.root + "/" + vhost)) ?? [] {
                if let vhostName = vhost.removingPercentEncoding, let queueName = queue.removingPercentEncoding {
                    keys.append(QueueStoreKey(virtualHost: vhostName, queue: queueName))
                }
            }
        }
        return keys
    }

    public func append(_ message: Message, queue: QueueStoreKey) -> UInt64? {
        do {
            let log = try self.log(for: queue)
            let sequence = try log.append(message, timestamp: self.clock())
            self.appendCount += 1
            self.markDirty(queue, log)
            if self.appendsFailing {
                self.appendsFailing = false
                self.logger.notice("storing messages again", metadata: ["queue": "\(queue.queue)"])
            }
            return sequence
        } catch {
            self.failedAppendCount += 1
            if !self.appendsFailing {
                self.appendsFailing = true
                self.logger.error(
                    "cannot store messages: publishers get negative confirms",
                    metadata: ["queue": "\(queue.queue)", "error": "\(error)"])
            }
            // A failed log repairs itself on a later group commit: keep it in the commit's list.
            if let log = self.queues[queue] { self.dirtyQueues[queue] = log }
            return nil
        }
    }

    public func delivered(sequence: UInt64, queue: QueueStoreKey) {
        guard let log = self.openLog(queue) else { return }
        log.delivered(sequence)
        self.markDirty(queue, log)
    }

    public func countDeliveries(_ deliveries: Int, sequence: UInt64, queue: QueueStoreKey) {
        guard let log = self.openLog(queue) else { return }
        log.countDeliveries(deliveries, sequence: sequence)
        self.markDirty(queue, log)
    }

    public func settle(sequence: UInt64, queue: QueueStoreKey) {
        guard let log = self.openLog(queue) else { return }
        log.settle(sequence)
        self.markDirty(queue, log)
    }

    /// The queue's recovered messages. A log that cannot be opened is left exactly as it is: the
    /// queue is failed (see `problems(queue:)`), never emptied, and nothing is appended to it.
    public func recover(queue: QueueStoreKey) -> [StoredMessage] {
        self.recover(queue: queue, bodyBudget: .max).messages
    }

    public func recover(queue: QueueStoreKey, bodyBudget: Int) -> RecoveredMessages {
        do {
            let log = try self.log(for: queue)
            let quarantined = log.quarantined
            if !quarantined.isEmpty {
                let problems = QueueStorageProblems(
                    lostSegments: quarantined.map(\.summary), lostBytes: quarantined.reduce(0) { $0 + $1.bytes })
                self.problemsByQueue[queue] = problems
                self.logger.error(
                    "queue log segments set aside: their messages are lost",
                    metadata: ["queue": "\(queue.queue)", "segments": "\(problems.lostSegments)"])
            }
            return try log.takeRecovered(bodyBudget: bodyBudget)
        } catch {
            self.problemsByQueue[queue] = QueueStorageProblems(openFailure: "\(error)")
            self.logger.error(
                "cannot open queue log: the queue is failed, its files are kept",
                metadata: [
                    "queue": "\(queue.queue)", "directory": "\(self.directory(for: queue))", "error": "\(error)",
                ])
            return RecoveredMessages(messages: [])
        }
    }

    public var canReadStored: Bool { true }

    public func retainDeduplicationWindow(
        queue: QueueStoreKey, windowMilliseconds: UInt64, key: (Message) -> String?
    ) -> [(key: String, ageMilliseconds: UInt64)]? {
        guard let log = self.queues[queue] else { return nil }
        do {
            return try log.deduplicationKeys(windowMilliseconds: Int64(clamping: windowMilliseconds), key: key)
        } catch {
            // The window is still kept from now on; only the ids stored before could not be read.
            self.logger.error(
                "cannot read the deduplication ids of a queue log: ids sent before the restart are not remembered",
                metadata: ["queue": "\(queue.queue)", "error": "\(error)"])
            return nil
        }
    }

    public func readStored(
        queue: QueueStoreKey, from first: UInt64, through last: UInt64, _ body: (UInt64, Message) -> Void
    ) throws {
        guard let log = self.queues[queue] else { return }
        try log.read(from: first, through: last, body)
    }

    public func readAhead(queue: QueueStoreKey, from first: UInt64, through last: UInt64) -> PagedRead? {
        guard let log = self.queues[queue] else { return nil }
        return log.readAhead(from: first, through: last)
    }

    public func problems(queue: QueueStoreKey) -> QueueStorageProblems? { self.problemsByQueue[queue] }

    /// Deletes the queue's files: also how an operator drops a failed queue.
    public func removeQueue(_ queue: QueueStoreKey) {
        self.problemsByQueue[queue] = nil
        let log = self.queues.removeValue(forKey: queue)
        self.dirtyQueues[queue] = nil
        self.forgetLast()
        log?.close()
        let directory = self.directory(for: queue)
        do {
            if FileManager.default.fileExists(atPath: directory) {
                try FileManager.default.removeItem(atPath: directory)
            }
        } catch {
            self.logger.error("cannot remove queue log", metadata: ["queue": "\(queue.queue)", "error": "\(error)"])
        }
    }

    /// Every queue's appends go out before any queue's acknowledgements: a message dead-lettered from
    /// one durable queue to another must never be settled in the first and missing from the second.
    public func writeBuffered() {
        for (key, log) in self.dirtyQueues {
            do {
                try log.writeBufferedMessages()
            } catch {
                Self.logWriteFailure(self.logger, "cannot write messages", queue: key, error)
            }
        }
        for (key, log) in self.dirtyQueues {
            do {
                try log.writePending()
            } catch {
                Self.logWriteFailure(self.logger, "cannot write acknowledgements", queue: key, error)
            }
        }
    }

    /// Logs the write error that fails a log; not the `.logFailed` refusals that follow it on every burst
    /// until the log repairs itself (the outage's end is logged by the durability monitor).
    static func logWriteFailure(_ logger: Logger, _ message: Logger.Message, queue: QueueStoreKey, _ error: any Error) {
        if let storageError = error as? StorageError, storageError.kind == .logFailed { return }
        logger.error(message, metadata: ["queue": "\(queue.queue)", "error": "\(error)"])
    }

    public func sync() throws {
        let target = self.appendCount
        let dirty = self.dirtyQueues
        // Appends first, in every queue, then acknowledgements (see `writeBuffered`).
        for log in dirty.values {
            try log.syncMessages()
        }
        self.dirtyQueues.removeAll(keepingCapacity: true)
        self.lastDirty = nil
        let now = SegmentedLog.wallClockMilliseconds()
        var failure: (any Error)?
        for (key, log) in dirty {
            do {
                try log.sync(nowMilliseconds: now)
                if log.dirty {
                    // Its ack log waits for a later group commit.
                    self.dirtyQueues[key] = log
                }
            } catch {
                // Keep it dirty: the next group commit tries again, and nothing is confirmed meanwhile.
                // The other queues still get their ack logs synced.
                self.dirtyQueues[key] = log
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        self.durableAppendCount = target
    }

    /// `sync()` with its fsyncs handed out: every dirty queue's message log, then (after a barrier,
    /// see `writeBuffered`) the ack logs that are due.
    public func beginSync() -> StoreSync {
        let batch = StoreSync()
        self.beginSync(into: batch)
        return batch
    }

    /// Adds this store's part of a group commit to `batch` (after what is in it already).
    public func beginSync(into batch: StoreSync) {
        let target = self.appendCount
        let dirty = self.dirtyQueues
        self.dirtyQueues.removeAll(keepingCapacity: true)
        self.lastDirty = nil
        let now = SegmentedLog.wallClockMilliseconds()
        var parts: [(QueueStoreKey, DurableQueueLog, DurableQueueLog.SyncPart, Int?)] = []
        var failed = false
        for (key, log) in dirty {
            do {
                guard let part = try log.beginSync(nowMilliseconds: now) else { continue }
                parts.append((key, log, part, batch.add(part.messages)))
            } catch {
                failed = true
                batch.beginFailed(error)
            }
            if log.dirty { self.dirtyQueues[key] = log }
        }
        batch.barrier()
        let ackIndexes = parts.map { batch.add($0.2.acks) }
        batch.onFinish { [self] in
            var failure: (any Error)?
            for ((key, log, part, messagesIndex), acksIndex) in zip(parts, ackIndexes) {
                // A queue deleted while its fsync ran: its log is closed and its files are gone, and
                // what it held went with it. Finishing it would fail on the closed log and mark the
                // whole store failing (confirms refused) for a queue that no longer exists.
                guard self.queues[key] === log else { continue }
                do {
                    try log.finishSync(
                        part, messagesFailure: batch.outcome(messagesIndex), acksFailure: batch.outcome(acksIndex),
                        nowMilliseconds: now)
                } catch {
                    failure = failure ?? error
                }
                if log.dirty, self.queues[key] === log { self.dirtyQueues[key] = log }
            }
            if let failure { throw failure }
            if !failed { self.durableAppendCount = max(self.durableAppendCount, target) }
        }
    }

    public func close() {
        for log in self.queues.values {
            try? log.sync(nowMilliseconds: .max)
            log.close()
        }
        self.queues.removeAll()
        self.forgetLast()
    }

    /// Moves a queue's files to another queue name (start-up migrations, before either is opened).
    /// Does nothing when there are no files or the target has some already, so a migration can run again.
    public func moveStoredQueue(from source: QueueStoreKey, to target: QueueStoreKey) throws {
        let fileManager = FileManager.default
        let from = self.directory(for: source)
        let to = self.directory(for: target)
        guard fileManager.fileExists(atPath: from), !fileManager.fileExists(atPath: to) else { return }
        try fileManager.createDirectory(
            atPath: "\(self.root)/\(Self.pathComponent(target.virtualHost))", withIntermediateDirectories: true)
        try fileManager.moveItem(atPath: from, toPath: to)
    }

    /// The queue's open log, if it has one (`lastKey` first).
    private func openLog(_ queue: QueueStoreKey) -> DurableQueueLog? {
        if let log = self.lastLog, self.lastKey == queue { return log }
        guard let log = self.queues[queue] else { return nil }
        self.lastKey = queue
        self.lastLog = log
        return log
    }

    /// Puts `log` in the next group commit's list (once: `lastDirty` is in it until the list is taken).
    private func markDirty(_ queue: QueueStoreKey, _ log: DurableQueueLog) {
        if self.lastDirty === log { return }
        self.dirtyQueues[queue] = log
        self.lastDirty = log
    }

    private func forgetLast() {
        self.lastKey = nil
        self.lastLog = nil
        self.lastDirty = nil
    }

    private func log(for queue: QueueStoreKey) throws -> DurableQueueLog {
        if let log = self.openLog(queue) { return log }
        if let failure = self.problemsByQueue[queue]?.openFailure {
            // Opening again could start a fresh log on top of the one that failed.
            throw StorageError(.logFailed, path: self.directory(for: queue), detail: "the queue is failed: \(failure)")
        }
        let log = try DurableQueueLog(
            directory: self.directory(for: queue), configuration: self.configuration, fileSystem: self.fileSystem,
            logger: self.logger, clock: self.clock)
        self.queues[queue] = log
        return log
    }

    private func directory(for queue: QueueStoreKey) -> String {
        "\(self.root)/\(Self.pathComponent(queue.virtualHost))/\(Self.pathComponent(queue.queue))"
    }

    /// Queue and vhost names may hold `/` or anything else: keep letters, digits, `-`, `_`, `.` (not
    /// a leading dot) and percent-encode the rest.
    static func pathComponent(_ name: String) -> String {
        var result = ""
        for byte in name.utf8 {
            let scalar = Unicode.Scalar(byte)
            let plain =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || (byte == 0x2E && !result.isEmpty)
            if plain {
                result.unicodeScalars.append(scalar)
            } else {
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result.isEmpty ? "%" : result
    }
}

@available(*, unavailable)
extension LogQueueStore: Sendable {}
