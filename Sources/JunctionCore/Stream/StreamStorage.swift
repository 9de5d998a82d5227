import Foundation
import JunctionStorage
import Logging

/// Where streams keep their logs and consumer-group offsets, and what the group commit must sync
/// for them. Logs live under `<root>/<vhost>/<stream>/` (names percent-encoded as for durable
/// queues); without a root, streams are in memory (tests). Offsets committed by acks are kept
/// here until `sync()` writes them in one metadata transaction, so acks cost no SQLite write each.
final class StreamStorage {
    let root: String?
    private let metadata: MetadataStore?
    private let clock: any BrokerClock
    private let logger: Logger
    private var openLogs: [QueueStoreKey: SegmentedLog] = [:]
    private var dirtyLogs: [ObjectIdentifier: any MessageLog] = [:]
    private var pendingOffsets: [PendingOffsetKey: ConsumerOffsetRecord] = [:]

    private(set) var appendCount: UInt64 = 0
    private(set) var failedAppendCount: UInt64 = 0
    private var appendsFailing = false

    private struct PendingOffsetKey: Hashable {
        var stream: QueueStoreKey
        var group: String
    }

    init(root: String?, metadata: MetadataStore?, clock: any BrokerClock, logger: Logger) {
        self.root = root
        self.metadata = metadata
        self.clock = clock
        self.logger = logger
    }

    var needsSync: Bool { !self.dirtyLogs.isEmpty || !self.pendingOffsets.isEmpty }
    var hasUnsyncedAppends: Bool { !self.dirtyLogs.isEmpty }

    /// Opens (recovering) or creates the log of a stream.
    func openLog(
        _ key: QueueStoreKey, arguments: StreamArguments
    ) throws(BrokerError) -> (any MessageLog, SegmentedLog?) {
        guard let directory = self.directory(for: key) else { return (InMemoryLog(), nil) }
        let configuration = SegmentedLogConfiguration(
            maxSegmentBytes: arguments.maxSegmentBytes,
            // The group commit decides when to fsync; the log never syncs on its own. Appends are
            // written once per read burst (`writeBuffered`) like the queue store's.
            fsyncPolicy: .never,
            retentionMilliseconds: arguments.maxAgeMilliseconds,
            retentionBytes: arguments.maxLengthBytes,
            writeBufferBytes: LogQueueStore.writeBufferBytes
        )
        let clock = self.clock
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let log = try SegmentedLog(directory: directory, configuration: configuration) {
                Int64(clamping: clock.nowMilliseconds())
            }
            if !log.recoveryReport.isClean {
                self.logger.warning(
                    "stream log repaired", metadata: ["stream": "\(key.queue)", "report": "\(log.recoveryReport)"])
            }
            self.openLogs[key] = log
            return (log, log)
        } catch {
            self.logger.error("cannot open stream log", metadata: ["stream": "\(key.queue)", "error": "\(error)"])
            throw .internalError("cannot open the log of stream '\(key.queue)': \(error)")
        }
    }

    private func directory(for key: QueueStoreKey) -> String? {
        self.root.map {
            "\($0)/\(LogQueueStore.pathComponent(key.virtualHost))/\(LogQueueStore.pathComponent(key.queue))"
        }
    }

    /// A stream that was never opened (its log failed at start-up) was deleted: its files go.
    func removeFiles(_ key: QueueStoreKey) {
        guard let directory = self.directory(for: key), FileManager.default.fileExists(atPath: directory) else {
            return
        }
        do {
            try FileManager.default.removeItem(atPath: directory)
        } catch {
            self.logger.error("cannot remove stream log", metadata: ["stream": "\(key.queue)", "error": "\(error)"])
        }
    }

    /// The stream was deleted: its files and its groups' offsets go.
    func removeStream(_ key: QueueStoreKey, log: any MessageLog, groups: [String]) {
        self.dirtyLogs[ObjectIdentifier(log)] = nil
        self.pendingOffsets = self.pendingOffsets.filter { $0.key.stream != key }
        if let segmented = self.openLogs.removeValue(forKey: key) {
            try? segmented.close()
            do {
                try FileManager.default.removeItem(atPath: segmented.directory)
            } catch {
                self.logger.error(
                    "cannot remove stream log", metadata: ["stream": "\(key.queue)", "error": "\(error)"])
            }
        }
        guard let metadata = self.metadata, !groups.isEmpty else { return }
        do {
            try metadata.write { transaction in
                for group in groups {
                    _ = try transaction.deleteConsumerOffset(
                        virtualHost: key.virtualHost, stream: key.queue, group: group)
                }
            }
        } catch {
            self.logger.error(
                "cannot delete consumer offsets", metadata: ["stream": "\(key.queue)", "error": "\(error)"])
        }
    }

    func appended(to log: any MessageLog) {
        self.appendCount += 1
        if self.appendsFailing {
            self.appendsFailing = false
            self.logger.notice("appending to streams again")
        }
        // An in-memory log has nothing to sync.
        if self.root != nil { self.dirtyLogs[ObjectIdentifier(log)] = log }
    }

    func appendFailed(_ error: any Error, stream: QueueStoreKey) {
        self.failedAppendCount += 1
        // Logged when appends start failing (a full disk), not for every message while they do.
        guard !self.appendsFailing else { return }
        self.appendsFailing = true
        self.logger.error(
            "cannot append to stream: publishers get negative confirms",
            metadata: ["stream": "\(stream.queue)", "error": "\(error)"])
    }

    func readFailed(_ error: any Error, stream: QueueStoreKey) {
        self.logger.error("cannot read stream", metadata: ["stream": "\(stream.queue)", "error": "\(error)"])
    }

    func offsetCommitted(stream: QueueStoreKey, group: String, offset: LogOffset) {
        guard self.metadata != nil else { return }
        self.pendingOffsets[PendingOffsetKey(stream: stream, group: group)] = ConsumerOffsetRecord(
            virtualHost: stream.virtualHost,
            stream: stream.queue,
            group: group,
            offset: UInt64(offset.rawValue),
            updatedAtMilliseconds: self.clock.nowMilliseconds()
        )
    }

    /// An operator reset a group to before any offset: its stored offset goes now (a rare
    /// management action, so one metadata write of its own).
    func forgetOffset(stream: QueueStoreKey, group: String) {
        self.pendingOffsets[PendingOffsetKey(stream: stream, group: group)] = nil
        guard let metadata = self.metadata else { return }
        do {
            _ = try metadata.deleteConsumerOffset(virtualHost: stream.virtualHost, stream: stream.queue, group: group)
        } catch {
            self.logger.error(
                "cannot delete consumer offset",
                metadata: ["stream": "\(stream.queue)", "group": "\(group)", "error": "\(error)"])
        }
    }

    /// The end of a read burst: what the streams appended goes to the OS (not synced).
    func writeBuffered() {
        for log in self.dirtyLogs.values {
            do {
                try log.writeBuffered()
            } catch let error as StorageError where error.kind == .logFailed {
                // Already failed and logged when it failed: it repairs itself on a later sync.
            } catch {
                // The log is failed now: its next sync throws and nothing of it is confirmed.
                self.logger.error("cannot write stream appends", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Group commit: fsyncs every stream appended to, then writes the committed offsets in one transaction.
    func sync() throws {
        let dirty = self.dirtyLogs
        self.dirtyLogs.removeAll(keepingCapacity: true)
        var failure: (any Error)?
        for (identifier, log) in dirty {
            do {
                try log.sync()
            } catch {
                // Stays dirty: the next group commit tries again, and nothing is confirmed meanwhile. Every
                // other log is still synced (or kept dirty): one that was skipped here would otherwise count
                // as durable after the next successful commit without ever having been fsynced.
                self.dirtyLogs[identifier] = log
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        guard let metadata = self.metadata, !self.pendingOffsets.isEmpty else { return }
        let records = Array(self.pendingOffsets.values)
        try metadata.write { transaction in
            for record in records { try transaction.commitConsumerOffset(record) }
        }
        self.pendingOffsets.removeAll(keepingCapacity: true)
    }

    /// `sync()` with the stream logs' fsyncs added to `batch`; the committed offsets are written
    /// when they finished (consumer offsets after the messages they point past).
    func beginSync(into batch: StoreSync) {
        let dirty = self.dirtyLogs
        self.dirtyLogs.removeAll(keepingCapacity: true)
        var requests: [(ObjectIdentifier, any MessageLog, LogSyncRequest, Int?)] = []
        for (identifier, log) in dirty {
            do {
                if let request = try log.beginSync() { requests.append((identifier, log, request, batch.add(request))) }
            } catch {
                self.dirtyLogs[identifier] = log
                batch.beginFailed(error)
            }
        }
        let offsets = self.pendingOffsets
        self.pendingOffsets.removeAll(keepingCapacity: true)
        batch.onFinish { [self] in
            var failure: (any Error)?
            for (identifier, log, request, index) in requests {
                do {
                    try log.finishSync(request, failure: batch.outcome(index))
                } catch {
                    // Stays dirty, as in `sync()`: nothing of it counts as durable until a commit succeeds.
                    self.dirtyLogs[identifier] = log
                    failure = failure ?? error
                }
            }
            if let failure {
                self.restore(offsets)
                throw failure
            }
            guard let metadata = self.metadata, !offsets.isEmpty else { return }
            do {
                try metadata.write { transaction in
                    for record in offsets.values { try transaction.commitConsumerOffset(record) }
                }
            } catch {
                self.restore(offsets)
                throw error
            }
        }
    }

    /// Offsets a failed commit did not store wait for the next one (newer commits of the same group win).
    private func restore(_ offsets: [PendingOffsetKey: ConsumerOffsetRecord]) {
        self.pendingOffsets.merge(offsets) { newer, _ in newer }
    }

    /// Shutdown: every stream log is synced and closed.
    func close() {
        for (key, log) in self.openLogs {
            do {
                try log.close()
            } catch {
                self.logger.error("cannot close stream log", metadata: ["stream": "\(key.queue)", "error": "\(error)"])
            }
        }
        self.openLogs.removeAll()
    }
}

@available(*, unavailable)
extension StreamStorage: Sendable {}
