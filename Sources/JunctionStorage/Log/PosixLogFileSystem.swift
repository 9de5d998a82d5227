import Glibc
import NIOCore

/// `LogFileSystem` on plain POSIX calls (open, pread, pwrite, fsync, ftruncate, rename).
public struct PosixLogFileSystem: LogFileSystem, Sendable {
    public init() {}

    /// Plain system calls on paths: safe from any thread, so the work runs where the handle runs.
    public func handle(_ work: @escaping @Sendable (any LogFileSystem) throws -> Void) throws -> LogSyncHandle {
        let system = self
        return LogSyncHandle { try work(system) }
    }

    public func open(_ path: String, create: Bool) throws -> any LogFile {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let descriptor = Glibc.open(path, flags, 0o644)
        guard descriptor >= 0 else { throw Self.error(path, "open") }
        return PosixLogFile(path: path, descriptor: descriptor)
    }

    public func fileExists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public func contentsOfDirectory(_ directory: String) throws -> [String] {
        guard let stream = opendir(directory) else { throw Self.error(directory, "opendir") }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func createDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw Self.error(prefix, "mkdir") }
        }
    }

    public func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw Self.error(path, "unlink") }
    }

    public func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw Self.error(from, "rename to \(to)") }
    }

    public func syncDirectory(_ directory: String) throws {
        let descriptor = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.error(directory, "open directory") }
        defer { Glibc.close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.error(directory, "fsync directory") }
    }

    static func error(_ path: String, _ call: String, position: Int64? = nil) -> StorageError {
        let code = errno
        return StorageError(.io(errno: code), path: path, position: position, detail: "\(call) failed (errno \(code))")
    }
}

/// A file descriptor opened by `PosixLogFileSystem`. Retries short writes and `EINTR`.
final class PosixLogFile: LogFile {
    let path: String
    private var descriptor: Int32

    init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        if self.descriptor >= 0 { Glibc.close(self.descriptor) }
    }

    func size() throws -> Int64 {
        var info = stat()
        guard fstat(self.descriptor, &info) == 0 else { throw PosixLogFileSystem.error(self.path, "fstat") }
        return Int64(info.st_size)
    }

    func write(_ buffer: ByteBuffer, at position: Int64) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var written = 0
            while written < bytes.count {
                let result = pwrite(
                    self.descriptor,
                    bytes.baseAddress! + written,
                    bytes.count - written,
                    off_t(position + Int64(written))
                )
                if result < 0 {
                    if errno == EINTR { continue }
                    throw PosixLogFileSystem.error(self.path, "pwrite", position: position + Int64(written))
                }
                written += result
            }
        }
    }

    func read(at position: Int64, length: Int) throws -> ByteBuffer {
        try Self.read(self.descriptor, path: self.path, at: position, length: length)
    }

    /// `pread` until `length` bytes or the end of the file; retries `EINTR`.
    static func read(_ descriptor: Int32, path: String, at position: Int64, length: Int) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: length)
        var total = 0
        while total < length {
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length - total) { target in
                while true {
                    let result = pread(
                        descriptor,
                        target.baseAddress!,
                        length - total,
                        off_t(position + Int64(total))
                    )
                    if result < 0 {
                        if errno == EINTR { continue }
                        throw PosixLogFileSystem.error(path, "pread", position: position + Int64(total))
                    }
                    return result
                }
            }
            if count == 0 { break }
            total += count
        }
        return buffer
    }

    func sync() throws {
        guard fsync(self.descriptor) == 0 else { throw PosixLogFileSystem.error(self.path, "fsync") }
    }

    /// A duplicate descriptor: reads go on even if the owner closes its own (or unlinks the file) meanwhile.
    func readOnlyDuplicate() throws -> (any LogFile & Sendable)? {
        let copy = dup(self.descriptor)
        guard copy >= 0 else { throw PosixLogFileSystem.error(self.path, "dup") }
        return PosixReadOnlyLogFile(path: self.path, descriptor: copy)
    }

    /// A duplicate descriptor: the fsync syncs this file even if the owner closes its own meanwhile.
    func syncHandle() throws -> LogSyncHandle {
        let copy = dup(self.descriptor)
        guard copy >= 0 else { throw PosixLogFileSystem.error(self.path, "dup") }
        let path = self.path
        return LogSyncHandle {
            defer { Glibc.close(copy) }
            guard fsync(copy) == 0 else { throw PosixLogFileSystem.error(path, "fsync") }
        }
    }

    func truncate(to size: Int64) throws {
        guard ftruncate(self.descriptor, off_t(size)) == 0 else {
            throw PosixLogFileSystem.error(self.path, "ftruncate", position: size)
        }
    }

    func close() throws {
        guard self.descriptor >= 0 else { return }
        let result = Glibc.close(self.descriptor)
        self.descriptor = -1
        guard result == 0 else { throw PosixLogFileSystem.error(self.path, "close") }
    }
}

/// A duplicate descriptor for reads on another thread (`LogFile.readOnlyDuplicate`); closed when released.
/// Sendable: the descriptor never changes and `pread` keeps no position.
final class PosixReadOnlyLogFile: LogFile, Sendable {
    let path: String
    private let descriptor: Int32

    init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { Glibc.close(self.descriptor) }

    func size() throws -> Int64 {
        var info = stat()
        guard fstat(self.descriptor, &info) == 0 else { throw PosixLogFileSystem.error(self.path, "fstat") }
        return Int64(info.st_size)
    }

    func read(at position: Int64, length: Int) throws -> ByteBuffer {
        try PosixLogFile.read(self.descriptor, path: self.path, at: position, length: length)
    }

    func write(_ buffer: ByteBuffer, at position: Int64) throws { throw self.readOnly("write") }
    func sync() throws { throw self.readOnly("fsync") }
    func truncate(to size: Int64) throws { throw self.readOnly("ftruncate") }
    /// Closed when the last reference goes (a `let` descriptor cannot be marked closed).
    func close() throws {}

    private func readOnly(_ call: String) -> StorageError {
        StorageError(.invalidArgument, path: self.path, detail: "\(call) on a read-only duplicate")
    }
}
