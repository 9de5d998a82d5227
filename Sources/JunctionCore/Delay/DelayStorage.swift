import Foundation
import JunctionModel
import JunctionStorage
import Logging

/// Appends to the delay logs, counted into the broker's durability ticket (`GroupCommitStore`).
final class DelayAppendCounters {
    var appendCount: UInt64 = 0
    var failedAppendCount: UInt64 = 0
    /// Whether the last append failed: an outage is logged when it starts and ends, not per message.
    private var failing = false

    func noteAppend(failure: (any Error)?, logger: Logger) {
        if let failure {
            guard !self.failing else { return }
            self.failing = true
            logger.error(
                "cannot store delayed messages: publishers get negative confirms", metadata: ["error": "\(failure)"])
        } else if self.failing {
            self.failing = false
            logger.notice("storing delayed messages again")
        }
    }
}

/// The delay logs of every virtual host under `<root>/<vhost>/` (the server passes
/// `<data_dir>/delayed`), committed with the queue and stream logs: their appends count in the
/// same durability ticket, so a persistent delayed message is confirmed once it is on disk.
final class DelayStorage {
    let root: String?
    private let configuration: SegmentedLogConfiguration
    private let fileSystem: any LogFileSystem
    private let logger: Logger
    let counters = DelayAppendCounters()
    private var logs: [String: DelayLog] = [:]

    /// - Parameter root: nil keeps delayed messages in memory (they do not survive a restart).
    init(root: String?, maxSegmentBytes: Int, fileSystem: any LogFileSystem = PosixLogFileSystem(), logger: Logger) {
        self.root = root
        self.fileSystem = fileSystem
        self.logger = logger
        self.configuration = SegmentedLogConfiguration(
            maxSegmentBytes: Int64(maxSegmentBytes), fsyncPolicy: .never, writeBufferBytes: 256 * 1024)
    }

    var appendCount: UInt64 { self.counters.appendCount }
    var failedAppendCount: UInt64 { self.counters.failedAppendCount }
    var needsSync: Bool { self.logs.values.contains { $0.needsSync } }

    /// The virtual host's log, opened (and recovered) on first use; nil without a root, or when it
    /// cannot be opened (logged: delayed messages are then held in memory and its files are kept).
    func log(for virtualHost: String) -> DelayLog? {
        guard let root = self.root else { return nil }
        if let log = self.logs[virtualHost] { return log }
        let directory = "\(root)/\(LogQueueStore.pathComponent(virtualHost))"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let log = try DelayLog(
                directory: directory, configuration: self.configuration, fileSystem: self.fileSystem,
                counters: self.counters, logger: self.logger)
            if !log.quarantined.isEmpty {
                self.logger.error(
                    "delay log segments set aside: their delayed messages are lost",
                    metadata: ["directory": "\(directory)", "segments": "\(log.quarantined.map(\.summary))"])
            }
            self.logs[virtualHost] = log
            return log
        } catch {
            self.logger.error(
                "cannot open the delay log: delayed messages of this virtual host stay in memory",
                metadata: ["directory": "\(directory)", "error": "\(error)"])
            return nil
        }
    }

    /// The virtual host was deleted: its delayed messages go with it.
    func removeLog(for virtualHost: String) {
        guard let log = self.logs.removeValue(forKey: virtualHost) else { return }
        log.close()
        try? FileManager.default.removeItem(atPath: log.directory)
    }

    /// Before the queues' `writeBuffered` (a message dead-lettered into a delayed exchange must be
    /// stored here before its queue's ack record settles it).
    func writeBufferedMessages() {
        for log in self.logs.values {
            do { try log.writeBufferedMessages() } catch {
                self.logWriteFailure("cannot write delayed messages", error)
            }
        }
    }

    /// After the queues' `writeBuffered` (a due message must reach its queue before it is settled here).
    func writePendingAcks() {
        for log in self.logs.values {
            do { try log.writePendingAcks() } catch {
                self.logWriteFailure("cannot write delay acknowledgements", error)
            }
        }
    }

    private func logWriteFailure(_ message: Logger.Message, _ error: any Error) {
        if let storageError = error as? StorageError, storageError.kind == .logFailed { return }
        self.logger.error(message, metadata: ["error": "\(error)"])
    }

    /// One group commit's parts, in the order `GroupCommitStore` adds them around the queues' part.
    final class Commit {
        var parts: [(DelayLog, DelayLog.SyncPart, messages: Int?, acks: Int?)] = []
    }

    func beginSyncMessages(into batch: StoreSync) -> Commit {
        let commit = Commit()
        for log in self.logs.values where log.needsSync {
            var part = DelayLog.SyncPart()
            do {
                try log.beginSyncMessages(into: &part)
            } catch {
                batch.beginFailed(error)
            }
            commit.parts.append((log, part, batch.add(part.messages), nil))
        }
        return commit
    }

    /// After the queues' part (behind their barrier); finishes the delay logs when the commit does.
    func beginSyncAcks(into batch: StoreSync, _ commit: Commit) {
        for index in commit.parts.indices {
            do {
                try commit.parts[index].0.beginSyncAcks(into: &commit.parts[index].1)
            } catch {
                batch.beginFailed(error)
            }
            commit.parts[index].acks = batch.add(commit.parts[index].1.acks)
        }
        batch.onFinish {
            var failure: (any Error)?
            for (log, part, messages, acks) in commit.parts {
                do {
                    try log.finishSync(
                        part, messagesFailure: batch.outcome(messages), acksFailure: batch.outcome(acks))
                } catch {
                    failure = failure ?? error
                }
            }
            if let failure { throw failure }
        }
    }

    /// Inline, for shutdown and stores without files: every log's messages (before the queues').
    func syncMessages() throws {
        var failure: (any Error)?
        for log in self.logs.values {
            do { try log.syncMessages() } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    /// Inline, after the queues' messages: every log's acks.
    func syncAcks() throws {
        var failure: (any Error)?
        for log in self.logs.values {
            do { try log.syncAcks() } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    func close() {
        for log in self.logs.values {
            try? log.syncMessages()
            try? log.syncAcks()
            log.close()
        }
        self.logs.removeAll()
    }
}

@available(*, unavailable)
extension DelayStorage: Sendable {}

@available(*, unavailable)
extension DelayAppendCounters: Sendable {}
