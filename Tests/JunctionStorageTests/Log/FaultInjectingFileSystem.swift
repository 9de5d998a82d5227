import JunctionStorage
import NIOCore

/// A `LogFileSystem` over POSIX whose `.log` files can be told to fail: a short write (half the
/// bytes reach the file, then an error) or a failed fsync. It also counts the bytes read from them.
final class FaultInjectingFileSystem: LogFileSystem {
    enum Fault {
        case none
        case shortWrite
        case failedSync
    }

    var fault: Fault = .none
    var logBytesRead = 0
    /// `write` calls on `.log` files.
    var logWrites = 0
    private let base = PosixLogFileSystem()

    func open(_ path: String, create: Bool) throws -> any LogFile {
        let file = try self.base.open(path, create: create)
        return path.hasSuffix(".log") ? FaultInjectingFile(file, fileSystem: self) : file
    }

    func fileExists(_ path: String) -> Bool { self.base.fileExists(path) }
    func contentsOfDirectory(_ directory: String) throws -> [String] { try self.base.contentsOfDirectory(directory) }
    func createDirectory(_ path: String) throws { try self.base.createDirectory(path) }
    func remove(_ path: String) throws { try self.base.remove(path) }
    func rename(_ from: String, to: String) throws { try self.base.rename(from, to: to) }
    func syncDirectory(_ directory: String) throws { try self.base.syncDirectory(directory) }
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
        return bytes
    }
    func truncate(to size: Int64) throws { try self.file.truncate(to: size) }
    func close() throws { try self.file.close() }

    func write(_ buffer: ByteBuffer, at position: Int64) throws {
        self.fileSystem.logWrites += 1
        guard case .shortWrite = self.fileSystem.fault else { return try self.file.write(buffer, at: position) }
        try self.file.write(buffer.getSlice(at: buffer.readerIndex, length: buffer.readableBytes / 2)!, at: position)
        throw StorageError(.io(errno: 28), path: self.path, position: position, detail: "injected short write")
    }

    func sync() throws {
        guard case .failedSync = self.fileSystem.fault else { return try self.file.sync() }
        throw StorageError(.io(errno: 5), path: self.path, detail: "injected fsync failure")
    }
}
