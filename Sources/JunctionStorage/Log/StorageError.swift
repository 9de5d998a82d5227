/// A storage failure, with the file and byte position it concerns.
///
/// After an I/O error on write or fsync a `SegmentedLog` refuses further appends and syncs
/// (`.logFailed`) until it repairs itself: the page cache may hold written pages that never reached
/// the disk, so the repair rewrites (after verifying) everything since the last good fsync.
public struct StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// A system call failed with this `errno`.
        case io(errno: Int32)
        /// Bytes on disk do not decode or fail their CRC.
        case corrupt
        /// A write or fsync failed earlier and the log has not repaired itself yet.
        case logFailed
        /// The log was closed.
        case closed
        /// The caller passed an argument the log cannot honour (e.g. an empty append, a record too large).
        case invalidArgument
    }

    public var kind: Kind
    public var path: String
    /// Byte position in `path`, when known.
    public var position: Int64?
    public var detail: String

    public init(_ kind: Kind, path: String, position: Int64? = nil, detail: String) {
        self.kind = kind
        self.path = path
        self.position = position
        self.detail = detail
    }

    public var description: String {
        let at = self.position.map { " at byte \($0)" } ?? ""
        return "\(self.kind) in \(self.path)\(at): \(self.detail)"
    }
}
