import NIOCore

/// The `log-start-offset` file: the first readable offset after `truncate(before:)`, which may lie
/// inside the first segment. 8 bytes big-endian offset + 4 bytes CRC-32C of those 8 bytes, replaced
/// atomically (write a temporary file, fsync, rename, fsync the directory).
enum LogStartOffsetCheckpoint {
    static let fileName = "log-start-offset"

    static func read(directory: String, fileSystem: any LogFileSystem) throws -> LogOffset? {
        let path = "\(directory)/\(Self.fileName)"
        guard fileSystem.fileExists(path) else { return nil }
        let file = try fileSystem.open(path, create: false)
        defer { try? file.close() }
        let bytes = try file.read(at: 0, length: 12)
        guard let offset = bytes.getInteger(at: bytes.readerIndex, as: Int64.self),
            let crc = bytes.getInteger(at: bytes.readerIndex + 8, as: UInt32.self),
            crc == RecordBatch.checksum(bytes, from: bytes.readerIndex, to: bytes.readerIndex + 8)
        else { return nil }
        return LogOffset(offset)
    }

    static func write(_ offset: LogOffset, directory: String, fileSystem: any LogFileSystem) throws {
        let path = "\(directory)/\(Self.fileName)"
        let temporary = path + ".tmp"
        var bytes = ByteBuffer()
        bytes.writeInteger(offset.rawValue)
        bytes.writeInteger(RecordBatch.checksum(bytes, from: 0, to: 8))
        let file = try fileSystem.open(temporary, create: true)
        try file.truncate(to: 0)
        try file.write(bytes, at: 0)
        try file.sync()
        try file.close()
        try fileSystem.rename(temporary, to: path)
        try fileSystem.syncDirectory(directory)
    }
}
