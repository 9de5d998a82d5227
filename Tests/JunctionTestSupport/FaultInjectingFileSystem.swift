import Glibc
public import JunctionStorage
import NIOCore

/// A `LogFileSystem` over POSIX whose `.log` files can be told to fail the way a full or failing disk
/// does: a short write (half the bytes reach the file, then an error), a write that writes nothing,
/// or a failed fsync. It also counts the bytes read from them and the writes and fsyncs made.
public final class FaultInjectingFileSystem: LogFileSystem {
    public enum Fault: Equatable, Sendable {
        case none
        /// Half of each write reaches the file, then `ENOSPC` (or `errno`).
        case shortWrite
        /// Each write fails with `ENOSPC` (or `errno`) before any byte reaches the file.
        case failedWrite
        /// Each fsync fails with `EIO` (or `errno`); the written bytes stay in the file (as in the page cache).
        case failedSync
    }

    public var fault: Fault = .none
    /// The error the fault reports; nil: `ENOSPC` for writes, `EIO` for fsyncs.
    public var errno: Int32?
    public var logBytesRead = 0
    /// `read` calls on `.log` files.
    public var logReads = 0
    /// `write` calls on `.log` files.
    public var logWrites = 0
    /// Successful `sync` calls on `.log` files.
    public var logSyncs = 0
    /// `rename` calls (a log-start checkpoint is written to a temporary file, fsynced and renamed).
    public var renames = 0
    private let base = PosixLogFileSystem()

    public init() {}

    public func open(_ path: String, create: Bool) throws -> any LogFile {
        let file = try self.base.open(path, create: create)
        return path.hasSuffix(".log") ? FaultInjectingFile(file, fileSystem: self) : file
    }

    public func fileExists(_ path: String) -> Bool { self.base.fileExists(path) }
    public func contentsOfDirectory(_ directory: String) throws -> [String] {
        try self.base.contentsOfDirectory(directory)
    }
    public func createDirectory(_ path: String) throws { try self.base.createDirectory(path) }
    public func remove(_ path: String) throws { try self.base.remove(path) }
    public func rename(_ from: String, to: String) throws {
        self.renames += 1
        try self.base.rename(from, to: to)
    }
    public func syncDirectory(_ directory: String) throws { try self.base.syncDirectory(directory) }
}

final class FaultInjectingFile: LogFile {
    private let file: any LogFile
    private unowned let fileSystem: FaultInjectingFileSystem

    init(_ file: any LogFile, fileSystem: FaultInjectingFileSystem) {
        self.file = file
        self.fileSystem = fileSystem
    }

    var path: String { self.file.path }
    func size() throws -> Int64 { try self.file.size() }
    func read(at position: Int64, length: Int) throws -> ByteBuffer {
        let bytes = try self.file.read(at: position, length: length)
        self.fileSystem.logBytesRead += bytes.readableBytes
        self.fileSystem.logReads += 1
        return bytes
    }
    func truncate(to size: Int64) throws { try self.file.truncate(to: size) }
    func close() throws { try self.file.close() }

    func write(_ buffer: ByteBuffer, at position: Int64) throws {
        self.fileSystem.logWrites += 1
        let code = self.fileSystem.errno ?? ENOSPC
        switch self.fileSystem.fault {
        case .none, .failedSync:
            try self.file.write(buffer, at: position)
        case .shortWrite:
            try self.file.write(
                buffer.getSlice(at: buffer.readerIndex, length: buffer.readableBytes / 2)!, at: position)
            throw StorageError(.io(errno: code), path: self.path, position: position, detail: "injected short write")
        case .failedWrite:
            throw StorageError(.io(errno: code), path: self.path, position: position, detail: "injected failed write")
        }
    }

    func sync() throws {
        guard case .failedSync = self.fileSystem.fault else {
            try self.file.sync()
            self.fileSystem.logSyncs += 1
            return
        }
        throw StorageError(.io(errno: self.fileSystem.errno ?? EIO), path: self.path, detail: "injected fsync failure")
    }

    /// The fault is decided when the handle is made (on the owner); the handle fails when it runs.
    func syncHandle() throws -> LogSyncHandle {
        guard case .failedSync = self.fileSystem.fault else {
            let handle = try self.file.syncHandle()
            self.fileSystem.logSyncs += 1
            return handle
        }
        let error = StorageError(
            .io(errno: self.fileSystem.errno ?? EIO), path: self.path, detail: "injected fsync failure")
        return LogSyncHandle { throw error }
    }
}
