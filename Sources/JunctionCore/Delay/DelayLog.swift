import JunctionModel
import JunctionStorage
import Logging
import NIOCore

/// The durable part of one virtual host's timer index: a message log whose records are the
/// delayed messages (key: due time and target, `DelayRecordKey`; value: the message) at dense
/// sequences, and an ack log of the sequences that left (`DelayAckRecord`). Only the index —
/// due time, sequence, target — is kept in memory; a message is read back when it falls due.
/// Both logs are `SegmentedLog`s, so a torn tail is cut by CRC at start-up like any queue log.
final class DelayLog {
    struct Recovered: Equatable {
        var due: UInt64
        var sequence: UInt64
        var target: DelayTarget
    }

    let directory: String
    private let messages: SegmentedLog
    private let acks: SegmentedLog
    private let counters: DelayAppendCounters
    private let logger: Logger
    private var settled = SettledSequences()
    private var pendingSettled: [UInt64] = []
    private var ackRecordsSinceCheckpoint = 0
    static let checkpointEvery = 256
    /// A checkpoint written but not yet synced: the ack log before it can go after the next fsync.
    private var checkpointOffset: LogOffset?
    private var hasUnsyncedMessages = false
    private var hasUnsyncedAcks = false
    /// What recovery found, handed to the index once.
    private var recovered: [Recovered] = []
    /// Records read ahead of the one asked for: messages fall due roughly in the order they were stored.
    private var readAhead: [LogRecord] = []

    init(
        directory: String, configuration: SegmentedLogConfiguration, fileSystem: any LogFileSystem,
        counters: DelayAppendCounters, logger: Logger
    ) throws {
        self.directory = directory
        self.counters = counters
        self.logger = logger
        self.messages = try SegmentedLog(
            directory: directory + "/messages", configuration: configuration, fileSystem: fileSystem)
        var ackConfiguration = configuration
        ackConfiguration.writeBufferBytes = 0
        self.acks = try SegmentedLog(
            directory: directory + "/acks", configuration: ackConfiguration, fileSystem: fileSystem)
        for (name, report) in [("messages", self.messages.recoveryReport), ("acks", self.acks.recoveryReport)] {
            if !report.isClean {
                logger.warning("recovered delay log", metadata: ["log": "\(directory)/\(name)", "report": "\(report)"])
            }
        }
        try self.recover()
    }

    private func recover() throws {
        var offset = self.acks.firstOffset
        while offset < self.acks.nextOffset {
            let records = try self.acks.read(from: offset, maxRecords: 1024, maxBytes: 8 << 20)
            guard let last = records.last else { break }
            for record in records {
                switch DelayAckRecord(decoding: record.value) {
                case .settled(let sequences):
                    for sequence in sequences { self.settled.insert(sequence) }
                case .checkpoint(let watermark, let base, let words):
                    self.settled = SettledSequences(watermark: watermark, base: base, words: words)
                case nil:
                    self.logger.error(
                        "skipping unreadable delay ack record", metadata: ["log": "\(self.directory)/acks"])
                }
            }
            offset = last.offset.advanced(by: 1)
        }
        var position = max(self.messages.firstOffset, LogOffset(Int64(self.settled.watermark)))
        while position < self.messages.nextOffset {
            let records = try self.messages.read(from: position, maxRecords: 4096, maxBytes: 16 << 20)
            guard let last = records.last else { break }
            for record in records {
                let sequence = UInt64(record.offset.rawValue)
                guard !self.settled.contains(sequence) else { continue }
                guard let key = record.key, let (due, target) = DelayRecordKey.decode(key) else {
                    self.logger.error(
                        "skipping undecodable delayed message",
                        metadata: ["log": "\(self.directory)/messages", "offset": "\(sequence)"])
                    self.settle(sequence: sequence)
                    continue
                }
                self.recovered.append(Recovered(due: due, sequence: sequence, target: target))
            }
            position = last.offset.advanced(by: 1)
        }
        // Start the ack log afresh from a checkpoint, so its history can be dropped.
        self.ackRecordsSinceCheckpoint = Self.checkpointEvery
        self.hasUnsyncedAcks = true
    }

    /// Segments recovery set aside as `.log.corrupt` (their delayed messages are lost).
    var quarantined: [RecoveryReport.Quarantine] {
        self.messages.recoveryReport.quarantined + self.acks.recoveryReport.quarantined
    }

    func takeRecovered() -> [Recovered] {
        defer { self.recovered = [] }
        return self.recovered
    }

    /// Stores a delayed message; its sequence, or nil when the log could not write it.
    func append(_ message: Message, due: UInt64, target: DelayTarget) -> UInt64? {
        do {
            let result = try self.messages.append([
                LogEntry(
                    timestamp: Int64(clamping: due), key: DelayRecordKey.encode(due: due, target: target),
                    value: MessageRecordCodec.encode(message))
            ])
            self.hasUnsyncedMessages = true
            self.counters.appendCount += 1
            self.counters.noteAppend(failure: nil, logger: self.logger)
            return UInt64(result.firstOffset.rawValue)
        } catch {
            self.counters.failedAppendCount += 1
            self.counters.noteAppend(failure: error, logger: self.logger)
            // A failed log repairs itself on a later group commit: keep it on the commit's list.
            self.hasUnsyncedMessages = true
            return nil
        }
    }

    /// Reads a message back and settles it (it left the index).
    func take(sequence: UInt64) -> Message? {
        defer { self.settle(sequence: sequence) }
        let offset = LogOffset(Int64(sequence))
        if self.readAhead.first.map({ offset < $0.offset || offset > self.readAhead[self.readAhead.count - 1].offset })
            ?? true
        {
            do {
                self.readAhead = try self.messages.read(from: offset, maxRecords: 256, maxBytes: 1 << 20)
            } catch {
                self.readAhead = []
                self.logger.error(
                    "cannot read delayed message: it is lost",
                    metadata: ["log": "\(self.directory)/messages", "offset": "\(sequence)", "error": "\(error)"])
                return nil
            }
        }
        guard let first = self.readAhead.first, offset >= first.offset else { return nil }
        let index = Int(offset.rawValue - first.offset.rawValue)
        guard index < self.readAhead.count, self.readAhead[index].offset == offset else { return nil }
        // The read buffer is shared by the records read with it: the message that goes on to a queue
        // gets its own bytes, so it does not keep the whole buffer alive.
        let value = self.readAhead[index].value
        var copy = ByteBufferAllocator().buffer(capacity: value.readableBytes)
        copy.writeImmutableBuffer(value)
        do {
            return try MessageRecordCodec.decode(copy)
        } catch {
            self.logger.error(
                "skipping undecodable delayed message",
                metadata: ["log": "\(self.directory)/messages", "offset": "\(sequence)", "error": "\(error)"])
            return nil
        }
    }

    /// The message left the index without being routed (its target was deleted or purged).
    func settle(sequence: UInt64) {
        self.settled.insert(sequence)
        self.pendingSettled.append(sequence)
    }

    var needsSync: Bool { self.hasUnsyncedMessages || self.hasUnsyncedAcks || !self.pendingSettled.isEmpty }

    /// Writes buffered messages without fsync (they then survive a crash of the process).
    func writeBufferedMessages() throws {
        guard self.hasUnsyncedMessages else { return }
        try self.messages.writeBuffered()
    }

    /// Writes what settled since the last record (or a checkpoint) to the ack log, without fsync.
    func writePendingAcks() throws {
        let checkpoint = self.ackRecordsSinceCheckpoint >= Self.checkpointEvery
        guard !self.pendingSettled.isEmpty || checkpoint else { return }
        let record: DelayAckRecord =
            checkpoint
            ? .checkpoint(watermark: self.settled.watermark, base: self.settled.base, words: self.settled.words)
            : .settled(self.pendingSettled)
        let appended = try self.acks.append([LogEntry(timestamp: 0, value: record.encode())])
        if checkpoint {
            self.ackRecordsSinceCheckpoint = 0
            self.checkpointOffset = appended.firstOffset
        } else {
            self.ackRecordsSinceCheckpoint += 1
        }
        self.pendingSettled.removeAll(keepingCapacity: true)
        self.hasUnsyncedAcks = true
    }

    /// The fsyncs of one group commit: the message log's before every queue's ack records, the ack
    /// log's after every queue's messages (a due message must reach its queue before it is settled here).
    struct SyncPart {
        var messages: LogSyncRequest?
        var acks: LogSyncRequest?
        var acksTaken = false
        /// Every sequence below was settled when the ack records went out.
        var watermark: UInt64 = 0
        var checkpoint: LogOffset?
    }

    func beginSyncMessages(into part: inout SyncPart) throws {
        guard self.hasUnsyncedMessages else { return }
        part.messages = try self.messages.beginSync()
        self.hasUnsyncedMessages = false
    }

    func beginSyncAcks(into part: inout SyncPart) throws {
        try self.writePendingAcks()
        guard self.hasUnsyncedAcks else { return }
        part.acksTaken = true
        part.watermark = self.settled.watermark
        part.checkpoint = self.checkpointOffset
        part.acks = try self.acks.beginSync()
        self.hasUnsyncedAcks = false
    }

    /// Back on the loop with the fsyncs' outcomes: moves the durable offsets, then drops what the
    /// durable ack records settle (whole message segments, the ack history before a checkpoint).
    func finishSync(_ part: SyncPart, messagesFailure: (any Error)?, acksFailure: (any Error)?) throws {
        do {
            if let request = part.messages { try self.messages.finishSync(request, failure: messagesFailure) }
            guard part.acksTaken else { return }
            if let skipped = acksFailure as? SyncSkipped { throw skipped }
            if let request = part.acks { try self.acks.finishSync(request, failure: acksFailure) }
        } catch {
            self.hasUnsyncedMessages = self.hasUnsyncedMessages || part.messages != nil
            self.hasUnsyncedAcks = self.hasUnsyncedAcks || part.acksTaken
            throw error
        }
        if let checkpoint = part.checkpoint {
            if self.checkpointOffset == checkpoint { self.checkpointOffset = nil }
            try self.acks.truncate(before: checkpoint)
        }
        let watermark = LogOffset(Int64(part.watermark))
        if watermark > self.messages.firstOffset && watermark <= self.messages.nextOffset {
            try self.messages.truncate(before: watermark)
            self.readAhead = []
        }
    }

    /// Inline halves of a commit (shutdown, queue stores without files, tests): the messages'
    /// fsync, then — after the queues' — the acks'.
    func syncMessages() throws {
        var part = SyncPart()
        try self.beginSyncMessages(into: &part)
        try self.finishSync(part, messagesFailure: part.messages.flatMap { $0.handle.run() }, acksFailure: nil)
    }

    func syncAcks() throws {
        var part = SyncPart()
        try self.beginSyncAcks(into: &part)
        try self.finishSync(part, messagesFailure: nil, acksFailure: part.acks.flatMap { $0.handle.run() })
    }

    func close() {
        try? self.messages.close()
        try? self.acks.close()
    }
}

@available(*, unavailable)
extension DelayLog: Sendable {}
