import JunctionModel
import NIOCore

/// The key of a delay-log record: when the message falls due and where it goes. The record's value
/// is the message in `MessageRecordCodec` format, so recovery reads only keys.
///
/// Layout, version 1: version (1) · due (UInt64, ms since the Unix epoch) · target kind (UInt8:
/// 0 exchange, 1 queue) · target name (short string).
enum DelayRecordKey {
    static let version: UInt8 = 1

    static func encode(due: UInt64, target: DelayTarget) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(11 + target.name.utf8.count)
        buffer.writeInteger(Self.version)
        buffer.writeInteger(due)
        buffer.writeInteger(target.kind.rawValue)
        _ = buffer.writeBinaryShortString(target.name)
        return buffer
    }

    static func decode(_ key: ByteBuffer) -> (due: UInt64, target: DelayTarget)? {
        var buffer = key
        guard buffer.readInteger(as: UInt8.self) == Self.version,
            let due = buffer.readInteger(as: UInt64.self),
            let kind = buffer.readInteger(as: UInt8.self).flatMap(DelayTarget.Kind.init(rawValue:)),
            let name = try? buffer.readBinaryShortString()
        else { return nil }
        return (due, DelayTarget(kind: kind, name: name))
    }
}

/// A record of the delay log's ack log: sequences that left the index (routed, or dropped with
/// their queue or exchange), or a checkpoint of everything settled.
///
/// Layout, version 1: version (1) · kind (UInt8: 0 settled list, 1 checkpoint) · then for a list:
/// count (UInt32) · sequences (UInt64 each); for a checkpoint: watermark (UInt64, every sequence
/// below is settled) · base (UInt64) · word count (UInt32) · words (UInt64 each; bit i of word w
/// set = sequence base + 64w + i settled).
enum DelayAckRecord: Equatable {
    case settled([UInt64])
    case checkpoint(watermark: UInt64, base: UInt64, words: [UInt64])

    static let version: UInt8 = 1

    func encode() -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(Self.version)
        switch self {
        case .settled(let sequences):
            buffer.reserveCapacity(6 + 8 * sequences.count)
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(UInt32(sequences.count))
            for sequence in sequences { buffer.writeInteger(sequence) }
        case .checkpoint(let watermark, let base, let words):
            buffer.reserveCapacity(22 + 8 * words.count)
            buffer.writeInteger(UInt8(1))
            buffer.writeInteger(watermark)
            buffer.writeInteger(base)
            buffer.writeInteger(UInt32(words.count))
            for word in words { buffer.writeInteger(word) }
        }
        return buffer
    }

    init?(decoding value: ByteBuffer) {
        var buffer = value
        guard buffer.readInteger(as: UInt8.self) == Self.version, let kind = buffer.readInteger(as: UInt8.self) else {
            return nil
        }
        switch kind {
        case 0:
            guard let count = buffer.readInteger(as: UInt32.self), buffer.readableBytes == Int(count) * 8 else {
                return nil
            }
            var sequences: [UInt64] = []
            sequences.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let sequence = buffer.readInteger(as: UInt64.self) else { return nil }
                sequences.append(sequence)
            }
            self = .settled(sequences)
        case 1:
            guard let watermark = buffer.readInteger(as: UInt64.self), let base = buffer.readInteger(as: UInt64.self),
                let count = buffer.readInteger(as: UInt32.self), buffer.readableBytes == Int(count) * 8
            else { return nil }
            var words: [UInt64] = []
            words.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let word = buffer.readInteger(as: UInt64.self) else { return nil }
                words.append(word)
            }
            self = .checkpoint(watermark: watermark, base: base, words: words)
        default:
            return nil
        }
    }
}
