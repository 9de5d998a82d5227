/// What `SegmentedLog` found and repaired when it opened: one value per log, to be logged once.
public struct RecoveryReport: Equatable, Sendable {
    /// Why bytes of a segment were not accepted.
    public enum Reason: Equatable, Sendable {
        /// The file ends inside a batch (a torn write).
        case truncatedBatch
        /// A batch failed to decode: CRC mismatch, unknown magic, bad lengths or records.
        case invalidBatch(RecordBatchDecodingError)
        /// A batch's base offset is not the one after the previous batch.
        case offsetMismatch(expected: LogOffset, found: LogOffset)
    }

    /// Why a segment's indexes were rebuilt from its log file.
    public enum IndexProblem: Equatable, Sendable {
        case missing
        case invalid
    }

    /// The last segment's tail was cut at `validBytes`.
    public struct Truncation: Equatable, Sendable {
        public var segment: LogOffset
        public var path: String
        public var reason: Reason
        /// Where the first bad batch starts; the file now has this many bytes.
        public var validBytes: Int64
        public var bytesTruncated: Int64
        /// Batches before the cut, all verified.
        public var batchesKept: Int

        public init(
            segment: LogOffset,
            path: String,
            reason: Reason,
            validBytes: Int64,
            bytesTruncated: Int64,
            batchesKept: Int
        ) {
            self.segment = segment
            self.path = path
            self.reason = reason
            self.validBytes = validBytes
            self.bytesTruncated = bytesTruncated
            self.batchesKept = batchesKept
        }
    }

    /// A segment before the last one failed verification and was renamed aside.
    public struct Quarantine: Equatable, Sendable {
        public var segment: LogOffset
        /// The `.log` file's new name (`….log.corrupt`).
        public var path: String
        public var reason: Reason
        /// Where in the file the first bad batch starts.
        public var position: Int64
        /// The size of the set-aside file: bytes `0..<position` verified, `position..<bytes` not.
        public var bytes: Int64
        /// The base offset of the next segment, if any: offsets `segment..<endOffset` are no longer
        /// readable (nil for a set-aside segment that was the last: then up to the log's end).
        public var endOffset: LogOffset?

        public init(
            segment: LogOffset, path: String, reason: Reason, position: Int64, bytes: Int64 = 0,
            endOffset: LogOffset? = nil
        ) {
            self.segment = segment
            self.path = path
            self.reason = reason
            self.position = position
            self.bytes = bytes
            self.endOffset = endOffset
        }

        /// What was lost, for logs, the management API and metrics.
        public var summary: String {
            let offsets =
                self.endOffset.map { "\(self.segment.rawValue)..<\($0.rawValue)" } ?? "\(self.segment.rawValue)..."
            return "\(self.path): offsets \(offsets), bytes 0..<\(self.bytes) set aside "
                + "(first bad batch at byte \(self.position): \(self.reason))"
        }
    }

    /// An index rebuilt from the log file of a segment.
    public struct IndexRebuild: Equatable, Sendable {
        public var segment: LogOffset
        public var problem: IndexProblem

        public init(segment: LogOffset, problem: IndexProblem) {
            self.segment = segment
            self.problem = problem
        }
    }

    public var segmentsLoaded: Int = 0
    public var truncations: [Truncation] = []
    public var quarantined: [Quarantine] = []
    public var indexRebuilds: [IndexRebuild] = []
    /// Whole segments found below the log-start checkpoint (a truncation interrupted before its unlinks) and
    /// deleted. Not a problem: nothing in them was readable any more.
    public var segmentsRemovedBelowLogStart = 0

    public init() {}

    /// Nothing was cut, quarantined or rebuilt.
    public var isClean: Bool { self.truncations.isEmpty && self.quarantined.isEmpty && self.indexRebuilds.isEmpty }
}
