import NIOCore

/// Bytes bound for one contiguous range of a file, collected so that many appends cost one `pwrite`.
struct PendingWrite {
    /// Buffers grown past this are let go after a write, so an idle segment does not keep a burst's memory.
    static let retainedCapacity = 64 * 1024
    private var bytes = ByteBuffer()
    private var position: Int64 = 0

    var count: Int { self.bytes.readableBytes }

    mutating func add(_ data: ByteBuffer, at position: Int64) {
        self.startIfEmpty(at: position)
        assert(position == self.position + Int64(self.bytes.readableBytes), "pending writes must be contiguous")
        self.bytes.writeImmutableBuffer(data)
    }

    mutating func add(at position: Int64, _ encode: (inout ByteBuffer) -> Void) {
        self.startIfEmpty(at: position)
        encode(&self.bytes)
    }

    /// Writes and empties the buffer; on failure the bytes stay, and the caller's log stops taking writes.
    mutating func write(to file: any LogFile) throws {
        guard self.bytes.readableBytes > 0 else { return }
        try file.write(self.bytes, at: self.position)
        if self.bytes.capacity > Self.retainedCapacity {
            self.bytes = ByteBuffer()
        } else {
            self.bytes.clear()
        }
    }

    /// Takes back everything added after the buffer held `count` bytes (an append whose write failed).
    mutating func drop(keeping count: Int) {
        guard count < self.bytes.readableBytes else { return }
        self.bytes.moveWriterIndex(to: self.bytes.readerIndex + count)
    }

    private mutating func startIfEmpty(at position: Int64) {
        if self.bytes.readableBytes == 0 {
            self.position = position
        }
    }
}
