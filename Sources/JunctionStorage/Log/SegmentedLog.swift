import Glibc
public import NIOCore

/// A `MessageLog` on disk: a directory of segments named by base offset, each a file of record
/// batches with a sparse offset index and a time index. Layout and recovery are described in
/// `Sources/JunctionStorage/README.md`.
///
/// Owned by one event loop; not `Sendable`. Opening recovers the directory (see `recoveryReport`).
/// Durability follows `FsyncPolicy`; `durableOffset` only advances after an fsync succeeded.
///
/// After a failed write or fsync (a full disk, an I/O error) the log refuses appends and syncs with
/// `.logFailed`; from `repairIntervalMilliseconds` after the failure on, at most once per interval, a
/// writing call (append, sync, writeBuffered, truncate) first tries to repair it: what was written since the last good fsync is read back, verified, written again and fsynced
/// with what is still buffered (`LogSegment.rewriteSinceLastSync`). Once that succeeds the log is open
/// again with every offset it had, so owners that already handed out offsets stay consistent.
public final class SegmentedLog: MessageLog {
    private enum State {
        case open
        /// A write or fsync failed; nothing more is appended or reported durable until a repair succeeds.
        case failed(StorageError)
        case closed
    }

    /// How often a failed log tries to repair itself: each try costs a write and an fsync.
    public static let repairIntervalMilliseconds: Int64 = 100

    public let directory: String
    public let configuration: SegmentedLogConfiguration
    /// What opening found and repaired.
    public let recoveryReport: RecoveryReport
    public private(set) var firstOffset: LogOffset
    public private(set) var durableOffset: LogOffset

    let fileSystem: any LogFileSystem
    private let clock: () -> Int64
    private var segments: [LogSegment]
    private var state: State = .open
    private var lastSyncAt: Int64
    /// While failed: the clock reading from which the next writing call tries a repair.
    private var nextRepairAt: Int64 = 0
    private var scratch = ByteBuffer()
    private var durabilityObservers: [(LogOffset) -> Void] = []
    /// The watermark the observers were last told about.
    private var notifiedDurableOffset: LogOffset
    /// Roll and truncation work left to the next `beginSync()` (`defersSegmentFileWork`).
    var deferred = DeferredSegmentWork()

    /// Opens (creating if needed) the log in `directory` and recovers it.
    ///
    /// - Parameter clock: milliseconds since the Unix epoch; injected for roll, retention and group commit.
    public init(
        directory: String,
        configuration: SegmentedLogConfiguration = SegmentedLogConfiguration(),
        fileSystem: any LogFileSystem = PosixLogFileSystem(),
        clock: @escaping () -> Int64 = SegmentedLog.wallClockMilliseconds
    ) throws {
        self.directory = directory
        self.configuration = configuration
        self.fileSystem = fileSystem
        self.clock = clock
        let now = clock()
        try fileSystem.createDirectory(directory)
        let bases = try fileSystem.contentsOfDirectory(directory).compactMap(Self.segmentBase).sorted()
        let options = LogSegment.LoadOptions(
            indexIntervalBytes: configuration.indexIntervalBytes,
            maxBatchSize: configuration.maxBatchBytes,
            verify: configuration.verifyAllSegmentsOnOpen,
            now: now
        )
        var report = RecoveryReport()
        var segments: [LogSegment] = []
        // With deferred seals the segment before the last may have a tail that was never fsynced: it is
        // recovered as the last one is (scanned, a torn tail cut). The last segment then follows a gap, as
        // after a quarantine: what was in it was never reported durable, and keeping it only makes those
        // records come back (at-least-once) where dropping it could lose records of a gap that was there
        // before (a quarantined segment).
        let unsyncedSegments = configuration.defersSegmentFileWork ? 2 : 1
        for (position, base) in bases.enumerated() {
            let result = try LogSegment.load(
                directory: directory,
                base: base,
                isLast: position >= bases.count - unsyncedSegments,
                fileSystem: fileSystem,
                options: options,
                report: &report
            )
            switch result {
            case .loaded(let segment): segments.append(segment)
            case .quarantined(var quarantine):
                quarantine.endOffset = position + 1 < bases.count ? bases[position + 1] : nil
                report.quarantined.append(quarantine)
            }
        }
        report.segmentsLoaded = segments.count
        let checkpoint = try LogStartOffsetCheckpoint.read(directory: directory, fileSystem: fileSystem)
        // Offsets never go back below the log start: when recovery left the log's end short of its checkpoint
        // (segments lost or cut by corruption), the log goes on from the checkpoint. Otherwise an append would
        // reuse an offset that the next opening hides below the start, and an acknowledged record would vanish.
        if segments.isEmpty || checkpoint.map({ $0 > segments[segments.count - 1].nextOffset }) == true {
            segments.append(
                try LogSegment.create(
                    directory: directory,
                    base: checkpoint ?? .zero,
                    fileSystem: fileSystem,
                    indexIntervalBytes: configuration.indexIntervalBytes,
                    now: now
                )
            )
            try fileSystem.syncDirectory(directory)
        }
        // A truncation whose checkpoint reached the disk but whose unlinks did not (a kill between the two, or
        // with `defersSegmentFileWork` between two steps of a group commit's file work) leaves whole segments
        // below the log start. Nothing in them can be read: they go now, or they would stay for ever (a later
        // truncation starts at the log start and never looks below it).
        let logStart = checkpoint ?? segments[0].baseOffset
        var removedBelowStart = false
        while segments.count > 1, segments[0].nextOffset <= logStart {
            let segment = segments.removeFirst()
            try segment.close()
            for suffix in [".log", ".index", ".timeindex"] {
                try fileSystem.remove(LogSegment.path(directory, segment.baseOffset, suffix))
            }
            report.segmentsRemovedBelowLogStart += 1
            removedBelowStart = true
        }
        if removedBelowStart { try fileSystem.syncDirectory(directory) }
        for segment in segments { segment.writeBufferBytes = configuration.writeBufferBytes }
        self.segments = segments
        self.recoveryReport = report
        let last = segments[segments.count - 1]
        self.firstOffset = min(max(checkpoint ?? segments[0].baseOffset, segments[0].baseOffset), last.nextOffset)
        self.durableOffset = last.nextOffset
        self.notifiedDurableOffset = last.nextOffset
        self.lastSyncAt = now
    }

    /// The wall clock in milliseconds since the Unix epoch.
    public static func wallClockMilliseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    public var nextOffset: LogOffset { self.segments[self.segments.count - 1].nextOffset }

    /// The base offsets of the segments, oldest first.
    public var segmentBaseOffsets: [LogOffset] { self.segments.map(\.baseOffset) }

    /// The base offset of the oldest segment holding a record stamped at or after `timestamp` (from each
    /// segment's newest time, kept in memory: no read), or `nextOffset` when none does. What an owner that
    /// keeps records for a time window may truncate before.
    public func firstSegmentBaseOffset(withRecordsSince timestamp: Int64) -> LogOffset {
        self.segments.first { $0.maxTimestamp >= timestamp }?.baseOffset ?? self.nextOffset
    }

    /// The bytes of all segment log files (indexes excluded).
    public var sizeInBytes: Int64 { self.segments.reduce(0) { $0 + $1.size } }

    // MARK: - MessageLog

    public func append(_ entries: [LogEntry], attributes: UInt16, leaderEpoch: Int32) throws -> LogAppendResult {
        try self.checkWritable()
        guard !entries.isEmpty else {
            throw StorageError(.invalidArgument, path: self.directory, detail: "append of an empty batch")
        }
        let size = RecordBatch.encodedSize(of: entries)
        guard size <= min(self.configuration.maxBatchBytes, Int(Int32.max)) else { throw self.oversized(size) }
        self.scratch.clear()
        let header = RecordBatch.encode(
            entries, baseOffset: self.nextOffset, attributes: attributes, leaderEpoch: leaderEpoch, into: &self.scratch)
        return try self.appendScratch(header)
    }

    /// Appends one record with no key (attributes and leader epoch 0) whose value `writeValue` writes straight
    /// into the batch: what `append([LogEntry(timestamp:value:)])` stores, without a buffer of the value's own.
    public func append(timestamp: Int64, writeValue: (inout ByteBuffer) -> Void) throws -> LogAppendResult {
        try self.checkWritable()
        self.scratch.clear()
        guard
            let header = RecordBatch.encode(
                oneRecordAt: timestamp, baseOffset: self.nextOffset, attributes: 0, leaderEpoch: 0,
                maximumSize: self.configuration.maxBatchBytes, into: &self.scratch, writeValue: writeValue)
        else { throw self.oversized(nil) }
        return try self.appendScratch(header)
    }

    private func oversized(_ size: Int?) -> StorageError {
        StorageError(
            .invalidArgument, path: self.directory,
            detail:
                "batch of \(size.map { "\($0) bytes" } ?? "one record") exceeds max_batch_bytes \(self.configuration.maxBatchBytes)"
        )
    }

    /// Writes the batch encoded in `scratch` to the active segment (rolling first when it is full) and syncs
    /// as the policy says.
    private func appendScratch(_ header: RecordBatchHeader) throws -> LogAppendResult {
        let first = self.nextOffset
        let now = self.clock()
        if self.shouldRoll(adding: header.totalSize, now: now) {
            try self.guardingFailure { try self.roll(now: now) }
        }
        let active = self.segments[self.segments.count - 1]
        try self.guardingFailure { try active.append(self.scratch, header: header) }
        switch self.configuration.fsyncPolicy {
        case .always:
            try self.flush()
        case .interval(let milliseconds):
            if now - self.lastSyncAt >= milliseconds { try self.flush() }
        case .never:
            break
        }
        return LogAppendResult(firstOffset: first, lastOffset: header.lastOffset, durableOffset: self.durableOffset)
    }

    public func read(from offset: LogOffset, maxRecords: Int, maxBytes: Int) throws -> [LogRecord] {
        try self.checkReadable()
        try self.writeBufferedBeforeReading()
        var offset = max(offset, self.firstOffset)
        var records: [LogRecord] = []
        guard maxRecords > 0, offset < self.nextOffset else { return records }
        var bytes = 0
        var index = self.segmentIndex(containing: offset)
        while index < self.segments.count {
            let segment = self.segments[index]
            offset = max(offset, segment.baseOffset)
            if offset < segment.nextOffset {
                let full = try segment.read(
                    from: offset,
                    maxRecords: maxRecords,
                    maxBytes: maxBytes,
                    maxBatchSize: self.configuration.maxBatchBytes,
                    into: &records,
                    bytes: &bytes
                )
                if full { break }
            }
            index += 1
        }
        return records
    }

    public func offset(atOrAfter timestamp: Int64) throws -> LogOffset? {
        try self.checkReadable()
        try self.writeBufferedBeforeReading()
        for segment in self.segments where segment.maxTimestamp >= timestamp && segment.nextOffset > self.firstOffset {
            if let found = try segment.offset(
                atOrAfter: timestamp,
                notBefore: self.firstOffset,
                maxBatchSize: self.configuration.maxBatchBytes
            ) {
                return found
            }
        }
        return nil
    }

    public func truncate(before offset: LogOffset) throws {
        try self.checkWritable()
        let target = min(offset, self.nextOffset)
        guard target > self.firstOffset else { return }
        if self.configuration.defersSegmentFileWork {
            self.deferred.checkpoint = target
        } else if self.configuration.syncsSealedSegments {
            // A log that does not survive a restart (`syncsSealedSegments` off) needs no checkpoint.
            try self.guardingFailure {
                try LogStartOffsetCheckpoint.write(target, directory: self.directory, fileSystem: self.fileSystem)
            }
        }
        self.firstOffset = target
        try self.deleteOldestSegments { segment, _ in segment.nextOffset <= target }
    }

    /// Writes what the write buffer holds (see `SegmentedLogConfiguration.writeBufferBytes`), without fsync:
    /// the records then survive a crash of the process, not of the machine.
    public func writeBuffered() throws {
        try self.checkWritable()
        let active = self.segments[self.segments.count - 1]
        try self.guardingFailure { try active.writePending() }
    }

    /// Reads go to the files, so buffered appends are written first; a failed log reads what reached them.
    private func writeBufferedBeforeReading() throws {
        guard case .open = self.state else { return }
        try self.writeBuffered()
    }

    @discardableResult
    public func sync() throws -> LogOffset {
        try self.checkWritable()
        try self.flush()
        self.notifyDurabilityObservers()
        return self.durableOffset
    }

    /// The first half of a `sync()` whose fsync runs elsewhere: writes what is buffered and returns
    /// the active segment's fsync (nil when everything is durable already). Appends may go on
    /// before `finishSync`; they are not covered by this request.
    public func beginSync() throws -> LogSyncRequest? {
        try self.checkWritable()
        let next = self.nextOffset
        guard self.durableOffset < next || !self.deferred.isEmpty else { return nil }
        let active = self.segments[self.segments.count - 1]
        var handles: [LogSyncHandle] = []
        var taken = DeferredSegmentWorkTaken()
        try self.guardingFailure {
            // The segment before, its directory entry, then the active one: a record is durable only with
            // everything before it.
            taken = try self.takeDeferredWork(into: &handles)
            if self.durableOffset < next {
                try active.writePending()
                handles.append(try active.logFile.syncHandle())
            }
        }
        var request = LogSyncRequest(
            handle: .sequence(handles), target: next, segmentBase: active.baseOffset, segmentSize: active.size)
        request.deferred = taken
        return request
    }

    /// The second half, on the owner: with `failure` nil the request's offsets are durable (and the
    /// observers told); with a failure the log fails as a failed `sync()` does, unless a roll or a
    /// repair made those offsets durable meanwhile.
    public func finishSync(_ request: LogSyncRequest, failure: (any Error)?) throws {
        self.settleDeferredWork(request.deferred, failed: failure != nil)
        guard request.target > self.durableOffset else { return }
        switch self.state {
        case .open: break
        case .failed(let error): throw error
        case .closed: throw StorageError(.closed, path: self.directory, detail: "the log is closed")
        }
        if let failure {
            let error =
                failure as? StorageError ?? StorageError(.io(errno: 0), path: self.directory, detail: "\(failure)")
            self.state = .failed(error)
            self.nextRepairAt = self.clock() + Self.repairIntervalMilliseconds
            throw error
        }
        if let active = self.segments.last, active.baseOffset == request.segmentBase {
            active.durableSize = max(active.durableSize, request.segmentSize)
        }
        self.durableOffset = request.target
        self.lastSyncAt = self.clock()
        self.notifyDurabilityObservers()
    }

    /// Whether a roll or truncation left file work for the next `beginSync()` (`defersSegmentFileWork`).
    public var hasDeferredFileWork: Bool { !self.deferred.isEmpty }

    public func addDurabilityObserver(_ observer: @escaping (LogOffset) -> Void) {
        self.durabilityObservers.append(observer)
    }

    // MARK: - Retention and lifecycle

    /// Deletes whole sealed segments older than `retentionMilliseconds` or beyond `retentionBytes`
    /// (oldest first; never the active segment) and returns their base offsets. The owner calls
    /// it from a timer; appends that roll call it too.
    @discardableResult
    public func enforceRetention() throws -> [LogOffset] {
        try self.enforceRetention(
            maxAgeMilliseconds: self.configuration.retentionMilliseconds, maxBytes: self.configuration.retentionBytes)
    }

    /// The same with limits the owner holds (they may change while the log is open, e.g. by a policy).
    @discardableResult
    public func enforceRetention(maxAgeMilliseconds maxAge: Int64?, maxBytes: Int64?) throws -> [LogOffset] {
        try self.checkWritable()
        let now = self.clock()
        var size = self.sizeInBytes
        return try self.deleteOldestSegments { segment, _ in
            let expired = maxAge.map { segment.maxTimestamp < now - $0 } ?? false
            let oversized = maxBytes.map { size > $0 } ?? false
            if expired || oversized { size -= segment.size }
            return expired || oversized
        }
    }

    /// Syncs and closes every file. The log cannot be used afterwards; closing twice does nothing.
    public func close() throws {
        switch self.state {
        case .closed:
            return
        case .open:
            try self.sync()
        case .failed:
            break
        }
        self.state = .closed
        for segment in self.segments { try segment.close() }
    }

    // MARK: - Internals

    private static func segmentBase(_ name: String) -> LogOffset? {
        guard name.hasSuffix(".log") else { return nil }
        let stem = name.dropLast(4)
        guard stem.count == 20, stem.allSatisfy(\.isASCII), let value = Int64(stem) else { return nil }
        return LogOffset(value)
    }

    private func shouldRoll(adding bytes: Int, now: Int64) -> Bool {
        let active = self.segments[self.segments.count - 1]
        guard !active.isEmpty else { return false }
        // Index positions are UInt32, so no segment may pass 4 GiB whatever the configuration says.
        let limit = min(self.configuration.maxSegmentBytes, Int64(UInt32.max))
        if active.size + Int64(bytes) > limit { return true }
        if let maxAge = self.configuration.maxSegmentAgeMilliseconds, now - active.createdAt >= maxAge { return true }
        return false
    }

    private func roll(now: Int64) throws {
        let active = self.segments[self.segments.count - 1]
        if self.configuration.defersSegmentFileWork {
            // One unsealed segment at most (see `DeferredSegmentWork.unsealed`): a second roll before a
            // group commit seals the first here.
            if let previous = self.deferred.unsealed {
                try previous.seal()
                self.deferred.unsealed = nil
            }
            try active.writePending()
            self.deferred.unsealed = active
        } else if self.configuration.syncsSealedSegments {
            try active.seal()
            self.durableOffset = active.nextOffset
            self.lastSyncAt = now
        } else {
            try active.writePending()
        }
        let segment = try LogSegment.create(
            directory: self.directory,
            base: active.nextOffset,
            fileSystem: self.fileSystem,
            indexIntervalBytes: self.configuration.indexIntervalBytes,
            now: now
        )
        if self.configuration.defersSegmentFileWork {
            self.deferred.directoryChanged()
        } else if self.configuration.syncsSealedSegments {
            try self.fileSystem.syncDirectory(self.directory)
        }
        segment.writeBufferBytes = self.configuration.writeBufferBytes
        self.segments.append(segment)
        try self.enforceRetention()
    }

    /// Deletes segments from the oldest while `shouldDelete` holds, never the active one.
    @discardableResult
    private func deleteOldestSegments(while shouldDelete: (LogSegment, Int) -> Bool) throws -> [LogOffset] {
        var deleted: [LogOffset] = []
        while self.segments.count > 1, shouldDelete(self.segments[0], deleted.count) {
            let segment = self.segments.removeFirst()
            try segment.close()
            let paths = [".log", ".index", ".timeindex"].map { LogSegment.path(self.directory, segment.baseOffset, $0) }
            if self.configuration.defersSegmentFileWork {
                // Its records are all below the log start: it need not be sealed any more.
                if self.deferred.unsealed === segment { self.deferred.unsealed = nil }
                self.deferred.removals += paths
            } else {
                for path in paths { try self.fileSystem.remove(path) }
            }
            deleted.append(segment.baseOffset)
        }
        if !deleted.isEmpty {
            if self.configuration.defersSegmentFileWork {
                self.deferred.directoryChanged()
            } else if self.configuration.syncsSealedSegments {
                try self.fileSystem.syncDirectory(self.directory)
            }
            self.firstOffset = max(self.firstOffset, self.segments[0].baseOffset)
        }
        return deleted
    }

    /// The segments holding `first...last` for a read elsewhere (`readHandle`), buffered appends written first.
    func segmentsForReading(from first: LogOffset, through last: LogOffset) throws -> ArraySlice<LogSegment> {
        try self.checkReadable()
        try self.writeBufferedBeforeReading()
        guard first >= self.firstOffset, first < self.nextOffset, last >= first else { return [] }
        let start = self.segmentIndex(containing: first)
        var end = start + 1
        while end < self.segments.count, self.segments[end].baseOffset <= last { end += 1 }
        return self.segments[start..<end]
    }

    /// The last segment whose base is at or below `offset` (binary search).
    private func segmentIndex(containing offset: LogOffset) -> Int {
        var low = 0
        var high = self.segments.count
        while low < high {
            let middle = (low + high) / 2
            if self.segments[middle].baseOffset <= offset { low = middle + 1 } else { high = middle }
        }
        return max(0, low - 1)
    }

    /// Whether a write or fsync failed and no repair has succeeded since.
    public var isFailed: Bool {
        if case .failed = self.state { return true }
        return false
    }

    private func checkWritable() throws {
        switch self.state {
        case .open: return
        case .failed(let error):
            let now = self.clock()
            if now >= self.nextRepairAt {
                self.nextRepairAt = now + Self.repairIntervalMilliseconds
                if self.repair(after: error) { return }
            }
            throw StorageError(.logFailed, path: self.directory, detail: "an earlier write or fsync failed: \(error)")
        case .closed:
            throw StorageError(.closed, path: self.directory, detail: "the log is closed")
        }
    }

    private func checkReadable() throws {
        if case .closed = self.state {
            throw StorageError(.closed, path: self.directory, detail: "the log is closed")
        }
    }

    /// Fsyncs the active segment if anything is not durable yet (and does any deferred work first, here).
    private func flush() throws {
        if !self.deferred.isEmpty {
            var handles: [LogSyncHandle] = []
            try self.guardingFailure {
                let taken = try self.takeDeferredWork(into: &handles)
                let failure = LogSyncHandle.sequence(handles).run()
                self.settleDeferredWork(taken, failed: failure != nil)
                if let failure { throw failure }
            }
        }
        let next = self.nextOffset
        guard self.durableOffset < next else { return }
        let active = self.segments[self.segments.count - 1]
        try self.guardingFailure { try active.syncLog() }
        self.durableOffset = next
        self.lastSyncAt = self.clock()
    }

    /// Makes everything the active segment counts durable again after `failure`; true if the log is open.
    /// Sealed segments were fsynced when they were sealed, so only the active one (and a rolled one whose
    /// deferred seal did not happen) can hold undurable bytes.
    private func repair(after failure: StorageError) -> Bool {
        let active = self.segments[self.segments.count - 1]
        do {
            // A segment rolled away from whose seal failed holds undurable bytes too.
            if let unsealed = self.deferred.unsealed {
                try unsealed.rewriteSinceLastSync(maxBatchSize: self.configuration.maxBatchBytes)
                try unsealed.seal()
                self.deferred.unsealed = nil
            }
            try active.rewriteSinceLastSync(maxBatchSize: self.configuration.maxBatchBytes)
            if !self.deferred.directoryIsSynced {
                let generation = self.deferred.directoryGeneration
                try self.fileSystem.syncDirectory(self.directory)
                self.deferred.syncedDirectoryGeneration = generation
            }
        } catch let error as StorageError {
            // A corrupt read-back stays corrupt: report that rather than the original fault from now on.
            if error.kind == .corrupt { self.state = .failed(error) }
            return false
        } catch {
            return false
        }
        self.state = .open
        self.durableOffset = self.nextOffset
        self.lastSyncAt = self.clock()
        return true
    }

    /// Tells the observers about a watermark they have not seen; a no-op when nothing advanced.
    private func notifyDurabilityObservers() {
        guard self.durableOffset > self.notifiedDurableOffset else { return }
        self.notifiedDurableOffset = self.durableOffset
        for observer in self.durabilityObservers { observer(self.durableOffset) }
    }

    /// Runs a write or fsync; if it throws, the log stops accepting writes.
    private func guardingFailure(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as StorageError {
            self.state = .failed(error)
            self.nextRepairAt = self.clock() + Self.repairIntervalMilliseconds
            throw error
        }
    }
}
