import Glibc
import JunctionStorage
import NIOCore

/// A `LogFileSystem` in memory: recovery runs thousands of times a second on it, and a corrupted copy of a
/// real log is a dictionary copy away. Files are shared by reference, as open descriptors are.
final class MemoryFileSystem: LogFileSystem {
    final class Storage {
        var bytes: [UInt8]
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    private(set) var files: [String: Storage] = [:]
    private var directories: Set<String> = []

    init() {}

    /// A copy whose files are independent of this one's.
    init(copying other: MemoryFileSystem) {
        self.files = other.files.mapValues { Storage($0.bytes) }
        self.directories = other.directories
    }

    /// The paths of every file, sorted (the order corruptions address them in).
    var paths: [String] { self.files.keys.sorted() }

    func storage(_ path: String) -> Storage? { self.files[path] }

    func open(_ path: String, create: Bool) throws -> any LogFile {
        if let storage = self.files[path] { return MemoryFile(path: path, storage: storage) }
        guard create else { throw StorageError(.io(errno: ENOENT), path: path, detail: "open") }
        let storage = Storage([])
        self.files[path] = storage
        return MemoryFile(path: path, storage: storage)
    }

    func fileExists(_ path: String) -> Bool { self.files[path] != nil || self.directories.contains(path) }

    func contentsOfDirectory(_ directory: String) throws -> [String] {
        let prefix = directory + "/"
        return self.files.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    func createDirectory(_ path: String) throws { self.directories.insert(path) }

    func remove(_ path: String) throws {
        guard self.files.removeValue(forKey: path) != nil else {
            throw StorageError(.io(errno: ENOENT), path: path, detail: "unlink")
        }
    }

    func rename(_ from: String, to: String) throws {
        guard let storage = self.files.removeValue(forKey: from) else {
            throw StorageError(.io(errno: ENOENT), path: from, detail: "rename")
        }
        self.files[to] = storage
    }

    func syncDirectory(_ directory: String) throws {}

    func remove(file path: String) { self.files[path] = nil }
}

final class MemoryFile: LogFile {
    let path: String
    private let storage: MemoryFileSystem.Storage

    init(path: String, storage: MemoryFileSystem.Storage) {
        self.path = path
        self.storage = storage
    }

    func size() throws -> Int64 { Int64(self.storage.bytes.count) }

    func write(_ buffer: ByteBuffer, at position: Int64) throws {
        let start = Int(position)
        let end = start + buffer.readableBytes
        if self.storage.bytes.count < end {
            self.storage.bytes.append(contentsOf: repeatElement(0, count: end - self.storage.bytes.count))
        }
        buffer.withUnsafeReadableBytes { bytes in
            self.storage.bytes.replaceSubrange(start..<end, with: bytes)
        }
    }

    func read(at position: Int64, length: Int) throws -> ByteBuffer {
        guard position >= 0, length >= 0 else {
            throw StorageError(.io(errno: EINVAL), path: self.path, position: position, detail: "pread")
        }
        let start = min(Int(position), self.storage.bytes.count)
        let end = min(start + length, self.storage.bytes.count)
        return ByteBuffer(bytes: self.storage.bytes[start..<end])
    }

    func sync() throws {}

    func truncate(to size: Int64) throws {
        let size = Int(size)
        if size < self.storage.bytes.count {
            self.storage.bytes.removeSubrange(size...)
        } else {
            self.storage.bytes.append(contentsOf: repeatElement(0, count: size - self.storage.bytes.count))
        }
    }

    func close() throws {}
}
