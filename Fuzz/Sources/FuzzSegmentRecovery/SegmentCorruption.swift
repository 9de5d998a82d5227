import JunctionStorage

/// Corruptions of a log's files, read from the fuzz input four bytes at a time: which file (of the sorted
/// paths) and what to do to it, then a 16-bit position, then a byte of data.
enum SegmentCorruption {
    static func apply(_ input: Slice<UnsafeBufferPointer<UInt8>>, to fileSystem: MemoryFileSystem) {
        let paths = fileSystem.paths
        var bytes = input[...]
        while bytes.count >= 4 {
            let selector = bytes[bytes.startIndex]
            let position = Int(bytes[bytes.startIndex + 1]) << 8 | Int(bytes[bytes.startIndex + 2])
            let value = bytes[bytes.startIndex + 3]
            bytes = bytes.dropFirst(4)
            let path = paths[Int(selector >> 3) % paths.count]
            guard let storage = fileSystem.storage(path) else { continue }
            let size = storage.bytes.count
            switch selector & 7 {
            case 0, 1, 2:
                // Overwrite one byte (the most common damage: a flipped bit or a torn sector).
                if size > 0 { storage.bytes[position % size] = value }
            case 3:
                // Flip one bit.
                if size > 0 { storage.bytes[position % size] ^= 1 << (value & 7) }
            case 4:
                // Truncate (a torn tail).
                storage.bytes.removeSubrange(min(position, size)...)
            case 5:
                // Append garbage (a partly written batch).
                storage.bytes.append(contentsOf: repeatElement(value, count: Int(position % 97)))
            case 6:
                // Zero a range (a hole in the file).
                if size > 0 {
                    let start = position % size
                    let end = min(size, start + Int(value))
                    for index in start..<end { storage.bytes[index] = 0 }
                }
            default:
                // Lose the file.
                fileSystem.remove(file: path)
            }
        }
    }
}
