import NIOCore

extension LogSegment {
    /// The outcome of opening one segment.
    enum LoadResult {
        case loaded(LogSegment)
        case quarantined(RecoveryReport.Quarantine)
    }

    /// Settings recovery needs from the log's configuration.
    struct LoadOptions {
        var indexIntervalBytes: Int
        var maxBatchSize: Int
        var verify: Bool
        var now: Int64
    }

    /// Creates an empty segment at `base`, replacing leftover files of that name.
    static func create(
        directory: String,
        base: LogOffset,
        fileSystem: any LogFileSystem,
        indexIntervalBytes: Int,
        now: Int64
    ) throws -> LogSegment {
        let log = try fileSystem.open(Self.path(directory, base, ".log"), create: true)
        let index = try fileSystem.open(Self.path(directory, base, ".index"), create: true)
        let timeIndex = try fileSystem.open(Self.path(directory, base, ".timeindex"), create: true)
        try log.truncate(to: 0)
        try index.truncate(to: 0)
        try timeIndex.truncate(to: 0)
        return LogSegment(
            baseOffset: base,
            directory: directory,
            files: (log, index, timeIndex),
            indexIntervalBytes: indexIntervalBytes,
            state: State(
                size: 0,
                nextOffset: base,
                maxTimestamp: .min,
                createdAt: now,
                offsetIndex: OffsetIndex(),
                timeIndex: TimeIndex(),
                bytesSinceIndexEntry: 0
            )
        )
    }

    /// Opens the segment at `base` and recovers it.
    ///
    /// The last segment (`isLast`), and every segment when `options.verify` is set, is scanned
    /// batch by batch with CRC checks and its indexes rebuilt. Other segments trust their indexes
    /// if they pass validation and only the batches after the last index entry are walked (headers
    /// only); a missing or invalid index falls back to the full scan. A bad batch truncates the
    /// last segment there and quarantines any other segment.
    static func load(
        directory: String,
        base: LogOffset,
        isLast: Bool,
        fileSystem: any LogFileSystem,
        options: LoadOptions,
        report: inout RecoveryReport
    ) throws -> LoadResult {
        let logPath = Self.path(directory, base, ".log")
        let indexPath = Self.path(directory, base, ".index")
        let timeIndexPath = Self.path(directory, base, ".timeindex")
        let log = try fileSystem.open(logPath, create: false)
        let size = try log.size()
        var indexProblem: RecoveryReport.IndexProblem?
        if !fileSystem.fileExists(indexPath) || !fileSystem.fileExists(timeIndexPath) { indexProblem = .missing }
        let index = try fileSystem.open(indexPath, create: true)
        let timeIndex = try fileSystem.open(timeIndexPath, create: true)
        let files = (log: log, index: index, timeIndex: timeIndex)

        if !isLast && !options.verify && indexProblem == nil {
            if let state = try Self.trustIndexes(files, base: base, size: size, options: options) {
                return .loaded(Self(base, directory, files, options, state))
            }
            indexProblem = .invalid
        }
        if !isLast, let problem = indexProblem {
            report.indexRebuilds.append(RecoveryReport.IndexRebuild(segment: base, problem: problem))
        }

        var scan = try Self.scan(log, base: base, size: size, options: options)
        if let failure = scan.failure {
            if isLast {
                try log.truncate(to: scan.state.size)
                try log.sync()
                report.truncations.append(
                    RecoveryReport.Truncation(
                        segment: base,
                        path: logPath,
                        reason: failure.reason,
                        validBytes: scan.state.size,
                        bytesTruncated: size - scan.state.size,
                        batchesKept: scan.batches
                    )
                )
            } else {
                try log.close()
                try index.close()
                try timeIndex.close()
                let quarantinePath = logPath + ".corrupt"
                try fileSystem.rename(logPath, to: quarantinePath)
                try fileSystem.remove(indexPath)
                try fileSystem.remove(timeIndexPath)
                try fileSystem.syncDirectory(directory)
                return .quarantined(
                    RecoveryReport.Quarantine(
                        segment: base,
                        path: quarantinePath,
                        reason: failure.reason,
                        position: failure.position,
                        bytes: size
                    )
                )
            }
        }
        if scan.state.nextOffset == base { scan.state.createdAt = options.now }
        let segment = Self(base, directory, files, options, scan.state)
        try segment.writeIndexes()
        // Sealing (fsync) the recovered last segment too makes `durableOffset == nextOffset` true
        // after a restart: what a dead process left in the page cache is flushed now.
        try segment.seal()
        return .loaded(segment)
    }

    private convenience init(
        _ base: LogOffset,
        _ directory: String,
        _ files: (log: any LogFile, index: any LogFile, timeIndex: any LogFile),
        _ options: LoadOptions,
        _ state: State
    ) {
        self.init(
            baseOffset: base,
            directory: directory,
            files: files,
            indexIntervalBytes: options.indexIntervalBytes,
            state: state
        )
    }

    private struct Scan {
        var state: State
        var batches: Int
        var failure: (reason: RecoveryReport.Reason, position: Int64)?
    }

    /// Verifies every batch from the start and rebuilds the indexes in memory.
    private static func scan(
        _ log: any LogFile,
        base: LogOffset,
        size: Int64,
        options: LoadOptions
    ) throws -> Scan {
        var reader = SegmentBatchReader(file: log, fileSize: size, position: 0, maxBatchSize: options.maxBatchSize)
        var scan = Scan(
            state: State(
                size: 0,
                nextOffset: base,
                maxTimestamp: .min,
                createdAt: options.now,
                offsetIndex: OffsetIndex(),
                timeIndex: TimeIndex(),
                bytesSinceIndexEntry: 0
            ),
            batches: 0,
            failure: nil
        )
        while true {
            let position = reader.position
            let header: RecordBatchHeader
            switch try reader.nextHeader() {
            case .end: return scan
            case .invalid(let reason):
                scan.failure = (reason, position)
                return scan
            case .header(let found): header = found
            }
            // Positions are stored as UInt32 in the offset index: a segment never grows past 4 GiB.
            guard position + Int64(header.totalSize) <= Int64(UInt32.max) else {
                scan.failure = (.invalidBatch(.invalidLength(header.length)), position)
                return scan
            }
            guard header.baseOffset == scan.state.nextOffset else {
                scan.failure = (.offsetMismatch(expected: scan.state.nextOffset, found: header.baseOffset), position)
                return scan
            }
            if case .invalid(let reason) = try reader.readBatch(header) {
                scan.failure = (reason, position)
                return scan
            }
            if scan.batches == 0 { scan.state.createdAt = header.firstTimestamp }
            Self.index(header, at: position, base: base, interval: options.indexIntervalBytes, state: &scan.state)
            scan.batches += 1
        }
    }

    /// Records one verified batch in a segment state being rebuilt, indexing it when due.
    private static func index(
        _ header: RecordBatchHeader,
        at position: Int64,
        base: LogOffset,
        interval: Int,
        state: inout State
    ) {
        let relativeOffset = UInt32(header.baseOffset.rawValue - base.rawValue)
        state.maxTimestamp = max(state.maxTimestamp, header.maxTimestamp)
        if state.offsetIndex.entries.isEmpty || state.bytesSinceIndexEntry >= interval {
            state.offsetIndex.append(OffsetIndex.Entry(relativeOffset: relativeOffset, position: UInt32(position)))
            state.timeIndex.append(TimeIndex.Entry(timestamp: state.maxTimestamp, relativeOffset: relativeOffset))
            state.bytesSinceIndexEntry = 0
        }
        state.bytesSinceIndexEntry += header.totalSize
        state.size = position + Int64(header.totalSize)
        state.nextOffset = header.nextOffset
    }

    /// Loads and validates the indexes of a sealed segment, then walks the batch headers after the
    /// last index entry to find the segment's end; `nil` if anything does not line up.
    private static func trustIndexes(
        _ files: (log: any LogFile, index: any LogFile, timeIndex: any LogFile),
        base: LogOffset,
        size: Int64,
        options: LoadOptions
    ) throws -> State? {
        let indexBytes = try files.index.read(at: 0, length: Int(try files.index.size()))
        let timeIndexBytes = try files.timeIndex.read(at: 0, length: Int(try files.timeIndex.size()))
        guard let offsetIndex = OffsetIndex.decode(indexBytes, logSize: size),
            let timeIndex = TimeIndex.decode(timeIndexBytes),
            offsetIndex.entries.map(\.relativeOffset) == timeIndex.entries.map(\.relativeOffset),
            let lastEntry = offsetIndex.entries.last, let lastTime = timeIndex.entries.last
        else { return nil }
        var reader = SegmentBatchReader(
            file: files.log,
            fileSize: size,
            position: 0,
            maxBatchSize: options.maxBatchSize
        )
        guard case .header(let first) = try reader.nextHeader(), first.baseOffset == base else { return nil }
        reader = SegmentBatchReader(
            file: files.log,
            fileSize: size,
            position: Int64(lastEntry.position),
            maxBatchSize: options.maxBatchSize
        )
        var state = State(
            size: Int64(lastEntry.position),
            nextOffset: base.advanced(by: Int64(lastEntry.relativeOffset)),
            maxTimestamp: lastTime.timestamp,
            createdAt: first.firstTimestamp,
            offsetIndex: offsetIndex,
            timeIndex: timeIndex,
            bytesSinceIndexEntry: 0
        )
        while true {
            switch try reader.nextHeader() {
            case .end:
                return state.size == size ? state : nil
            case .invalid:
                return nil
            case .header(let header):
                guard header.baseOffset == state.nextOffset,
                    state.size + Int64(header.totalSize) <= Int64(UInt32.max)
                else { return nil }
                reader.skip(header)
                state.maxTimestamp = max(state.maxTimestamp, header.maxTimestamp)
                state.bytesSinceIndexEntry += header.totalSize
                state.size += Int64(header.totalSize)
                state.nextOffset = header.nextOffset
            }
        }
    }
}
