public import NIOCore

/// Received bytes not yet framed, for the protocol handlers. Decoded payloads are slices of these
/// bytes and keep their storage alive in queues; appending the next read to that storage would copy
/// all of it (copy-on-write) on nearly every read — perf showed 40% of the broker's time there with
/// 1 KiB messages. Instead, a leftover partial frame is merged with the next read into a fresh
/// buffer sized for just the two, and a fully consumed buffer is simply dropped.
public struct InboundBuffer {
    public var bytes: ByteBuffer?

    public init() {}

    public mutating func append(_ read: ByteBuffer) {
        guard var pending = self.bytes, pending.readableBytes > 0 else {
            self.bytes = read
            return
        }
        var read = read
        var merged = ByteBufferAllocator().buffer(capacity: pending.readableBytes + read.readableBytes)
        merged.writeBuffer(&pending)
        merged.writeBuffer(&read)
        self.bytes = merged
    }

    /// End of a read burst: nothing is kept for bytes already framed.
    public mutating func readBurstEnded() {
        if let bytes = self.bytes, bytes.readableBytes == 0 {
            self.bytes = nil
        }
    }
}
