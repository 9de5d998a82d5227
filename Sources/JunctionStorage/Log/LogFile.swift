public import NIOCore

/// One open file of a segment (log or index), addressed by absolute byte positions.
///
/// The seam that lets tests inject short writes and failed fsyncs. Errors thrown are `StorageError`.
public protocol LogFile: AnyObject {
    var path: String { get }
    /// The current size in bytes.
    func size() throws -> Int64
    /// Writes all readable bytes of `buffer` at `position`, or throws.
    func write(_ buffer: ByteBuffer, at position: Int64) throws
    /// Reads up to `length` bytes at `position`, fewer only at end of file.
    func read(at position: Int64, length: Int) throws -> ByteBuffer
    /// Flushes written data to stable storage (`fsync`).
    func sync() throws
    /// The file's fsync, to run on another thread (see `LogSyncHandle`); by default it syncs here.
    func syncHandle() throws -> LogSyncHandle
    /// Cuts the file to `size` bytes.
    func truncate(to size: Int64) throws
    func close() throws
    /// A read-only duplicate that another thread may read while the owner writes, rolls or closes this one
    /// (see `LogReadHandle`); nil when the file cannot be read elsewhere (the default).
    func readOnlyDuplicate() throws -> (any LogFile & Sendable)?
}

extension LogFile {
    public func readOnlyDuplicate() throws -> (any LogFile & Sendable)? { nil }
}

/// The directory operations a `SegmentedLog` needs. Errors thrown are `StorageError`.
public protocol LogFileSystem {
    /// Opens `path` for reading and writing, creating it if `create` is set.
    func open(_ path: String, create: Bool) throws -> any LogFile
    func fileExists(_ path: String) -> Bool
    /// The names (not paths) of the entries of `directory`.
    func contentsOfDirectory(_ directory: String) throws -> [String]
    func createDirectory(_ path: String) throws
    func remove(_ path: String) throws
    func rename(_ from: String, to: String) throws
    /// Makes renames and removals in `directory` durable.
    func syncDirectory(_ directory: String) throws
    /// `work` with this file system, to run on another thread (see `LogSyncHandle`). A file system that
    /// must not be used from another thread runs it here and returns `.done`: the default.
    func handle(_ work: @escaping @Sendable (any LogFileSystem) throws -> Void) throws -> LogSyncHandle
}

extension LogFileSystem {
    public func handle(_ work: @escaping @Sendable (any LogFileSystem) throws -> Void) throws -> LogSyncHandle {
        try work(self)
        return .done
    }
}
