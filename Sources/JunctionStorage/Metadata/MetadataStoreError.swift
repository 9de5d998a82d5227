/// A failure of the metadata store. Carries the database path and what was being done; SQLite's
/// own message is in `detail`.
public struct MetadataStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The file could not be opened or configured (WAL, synchronous, foreign keys).
        case open
        /// A schema migration failed.
        case migration
        /// The file was written by a newer Junction (it has migrations this build does not know).
        case schemaTooNew
        /// A uniqueness, foreign-key or check constraint refused a write
        /// (e.g. a permission for a user that does not exist).
        case constraintViolation
        /// A stored value cannot be read back into a record (an unknown enum raw value, a
        /// negative number where an unsigned one belongs, undecodable tags).
        case corruptRecord
        /// The store was closed.
        case closed
        /// Any other SQLite failure (I/O error, disk full, …).
        case database
    }

    public var kind: Kind
    public var path: String
    public var detail: String

    public init(kind: Kind, path: String, detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    public var description: String {
        "MetadataStoreError.\(kind) at \(path): \(detail)"
    }
}
