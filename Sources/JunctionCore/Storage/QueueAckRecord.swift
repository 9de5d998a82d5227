import NIOCore

/// One record of a durable queue's ack log, written at each group commit.
///
/// Layout, version 1: version (1) · watermark (8): every sequence below it is settled ·
/// delivered (8): every sequence up to it has been delivered at least once · count (4) ·
/// settled sequences at or above the watermark (8 each). A checkpoint record carries every settled
/// sequence above its watermark, so the ack log before it can be dropped.
struct QueueAckRecord: Equatable {
    static let version: UInt8 = 1

    var watermark: UInt64
    var deliveredThrough: UInt64
    var settled: [UInt64]

    func encode() -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(21 + 8 * self.settled.count)
        buffer.writeInteger(Self.version)
        buffer.writeInteger(self.watermark)
        buffer.writeInteger(self.deliveredThrough)
        buffer.writeInteger(UInt32(self.settled.count))
        for sequence in self.settled {
            buffer.writeInteger(sequence)
        }
        return buffer
    }

    init(watermark: UInt64, deliveredThrough: UInt64, settled: [UInt64]) {
        self.watermark = watermark
        self.deliveredThrough = deliveredThrough
        self.settled = settled
    }

    /// Nil for a record that is not a version-1 ack record of consistent length.
    init?(decoding record: ByteBuffer) {
        var buffer = record
        guard buffer.readInteger(as: UInt8.self) == Self.version,
            let watermark = buffer.readInteger(as: UInt64.self),
            let delivered = buffer.readInteger(as: UInt64.self),
            let count = buffer.readInteger(as: UInt32.self),
            buffer.readableBytes == Int(count) * 8
        else { return nil }
        var settled: [UInt64] = []
        settled.reserveCapacity(Int(count))
        for _ in 0..<count {
            settled.append(buffer.readInteger(as: UInt64.self)!)
        }
        self.init(watermark: watermark, deliveredThrough: delivered, settled: settled)
    }
}
