import NIOCore

/// The body of one publish while its body frames arrive (spec 4.2.6.2). Its buffer grows with the bytes
/// actually received, doubling and capped at the size the content header declares (the allocator rounds
/// each capacity up to a power of two: at most four times what arrived); it is never reserved
/// up front from that declaration, so a client that declares 128 MiB bodies on 2047 channels and sends a
/// few bytes on each makes the broker hold a few bytes on each, and partial bodies count in RSS (and so
/// against the memory alarm) only as far as their bytes have come in.
struct AMQPBodyAssembly {
    enum Step {
        /// More body frames are due.
        case incomplete
        /// The whole body: the frame itself when it came in one frame (a slice of the read buffer, never copied).
        case complete(ByteBuffer)
        /// The frame carries more bytes than the header declared are left.
        case overrun
    }

    let declaredSize: UInt64
    private(set) var remaining: UInt64
    private var collected: ByteBuffer?

    init(declaredSize: UInt64) {
        self.declaredSize = declaredSize
        self.remaining = declaredSize
    }

    /// Bytes of memory held for the body so far: the capacity of the assembly buffer.
    var reservedBytes: Int { self.collected?.capacity ?? 0 }

    mutating func append(_ frame: ByteBuffer) -> Step {
        var body = frame
        let size = UInt64(body.readableBytes)
        guard size <= self.remaining else { return .overrun }
        self.remaining -= size
        guard var collected = self.collected.take() else {
            if self.remaining == 0 { return .complete(body) }
            // At most twice what arrived; the declared size only caps it.
            var buffer = ByteBufferAllocator().buffer(capacity: self.cappedCapacity(2 * body.readableBytes))
            buffer.writeBuffer(&body)
            self.collected = buffer
            return .incomplete
        }
        let needed = collected.writerIndex + body.readableBytes
        if needed > collected.capacity {
            // Doubling keeps the copies of a large body linear in its size.
            collected.reserveCapacity(self.cappedCapacity(max(needed, 2 * collected.capacity)))
        }
        collected.writeBuffer(&body)
        if self.remaining == 0 { return .complete(collected) }
        self.collected = collected
        return .incomplete
    }

    private func cappedCapacity(_ wanted: Int) -> Int {
        Int(min(UInt64(wanted), self.declaredSize))
    }
}

extension Optional {
    /// The value, leaving nil behind: the caller holds the only reference and can grow it in place.
    fileprivate mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}
