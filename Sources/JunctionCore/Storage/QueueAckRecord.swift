import NIOCore

/// One record of a durable queue's ack log, written at each group commit.
///
/// Layout, version 1: version (1) · watermark (8): every sequence below it is settled ·
/// delivered (8): every sequence up to it has been delivered at least once · count (4) ·
/// settled sequences at or above the watermark (8 each). A checkpoint record carries every settled
/// sequence above its watermark, so the ack log before it can be dropped.
///
/// Version 2 (written only when it carries delivery counts, so other queues keep writing version 1)
/// appends: count (4) · (sequence (8) · deliveries (4)) each: the delivery counts of a quorum
/// queue's messages (`QueueStore.countDeliveries`); a later record's count for a sequence replaces
/// an earlier one, and a checkpoint carries the counts of every live message.
struct QueueAckRecord: Equatable {
    static let version: UInt8 = 1
    static let versionWithDeliveryCounts: UInt8 = 2

    struct DeliveryCount: Equatable {
        var sequence: UInt64
        var deliveries: UInt32
    }

    var watermark: UInt64
    var deliveredThrough: UInt64
    var settled: [UInt64]
    var deliveryCounts: [DeliveryCount]

    func encode() -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(25 + 8 * self.settled.count + 12 * self.deliveryCounts.count)
        buffer.writeInteger(self.deliveryCounts.isEmpty ? Self.version : Self.versionWithDeliveryCounts)
        buffer.writeInteger(self.watermark)
        buffer.writeInteger(self.deliveredThrough)
        buffer.writeInteger(UInt32(self.settled.count))
        for sequence in self.settled {
            buffer.writeInteger(sequence)
        }
        if !self.deliveryCounts.isEmpty {
            buffer.writeInteger(UInt32(self.deliveryCounts.count))
            for count in self.deliveryCounts {
                buffer.writeInteger(count.sequence)
                buffer.writeInteger(count.deliveries)
            }
        }
        return buffer
    }

    init(watermark: UInt64, deliveredThrough: UInt64, settled: [UInt64], deliveryCounts: [DeliveryCount] = []) {
        self.watermark = watermark
        self.deliveredThrough = deliveredThrough
        self.settled = settled
        self.deliveryCounts = deliveryCounts
    }

    /// Nil for a record that is not a version-1 or version-2 ack record of consistent length.
    init?(decoding record: ByteBuffer) {
        var buffer = record
        guard let version = buffer.readInteger(as: UInt8.self),
            version == Self.version || version == Self.versionWithDeliveryCounts,
            let watermark = buffer.readInteger(as: UInt64.self),
            let delivered = buffer.readInteger(as: UInt64.self),
            let count = buffer.readInteger(as: UInt32.self),
            buffer.readableBytes >= Int(count) * 8
        else { return nil }
        var settled: [UInt64] = []
        settled.reserveCapacity(Int(count))
        for _ in 0..<count {
            settled.append(buffer.readInteger(as: UInt64.self)!)
        }
        var deliveryCounts: [DeliveryCount] = []
        if version == Self.versionWithDeliveryCounts {
            guard let counted = buffer.readInteger(as: UInt32.self), buffer.readableBytes == Int(counted) * 12 else {
                return nil
            }
            deliveryCounts.reserveCapacity(Int(counted))
            for _ in 0..<counted {
                let sequence = buffer.readInteger(as: UInt64.self)!
                deliveryCounts.append(
                    DeliveryCount(sequence: sequence, deliveries: buffer.readInteger(as: UInt32.self)!))
            }
        }
        guard buffer.readableBytes == 0 else { return nil }
        self.init(watermark: watermark, deliveredThrough: delivered, settled: settled, deliveryCounts: deliveryCounts)
    }
}
