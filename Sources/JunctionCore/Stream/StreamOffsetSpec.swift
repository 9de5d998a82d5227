public import JunctionModel
import JunctionStorage

/// Where a stream consumer starts reading: the `x-stream-offset` consumer argument (RabbitMQ's).
public enum StreamOffsetSpec: Sendable, Equatable {
    /// The oldest message still retained.
    case first
    /// The newest message (or the next one when the stream is empty).
    case last
    /// Only messages published after the consumer attached. The default, as in RabbitMQ.
    case next
    /// That offset; below the first retained offset reads from the first, past the end waits for it.
    case offset(Int64)
    /// The first message stored at or after this time (milliseconds since the Unix epoch).
    case timestamp(milliseconds: Int64)

    /// Parses the argument: `first`/`last`/`next`, an integer offset, or an AMQP timestamp (seconds).
    /// - Throws: `.preconditionFailed` for anything else (a negative offset, an unknown word).
    public init(argument value: FieldValue?) throws(BrokerError) {
        guard let value else {
            self = .next
            return
        }
        switch value {
        case .timestamp(let seconds):
            self = .timestamp(milliseconds: Int64(clamping: seconds) &* 1000)
        case .longString:
            switch value.stringValue {
            case "first": self = .first
            case "last": self = .last
            case "next": self = .next
            default: throw .preconditionFailed("invalid x-stream-offset '\(value.stringValue ?? "")'")
            }
        case .int8, .uint8, .int16, .uint16, .int32, .uint32, .int64:
            guard let number = value.integerValue, number >= 0 else {
                throw .preconditionFailed("invalid x-stream-offset \(value): must not be negative")
            }
            self = .offset(number)
        case .boolean, .float, .double, .decimal, .table, .array, .byteArray, .void:
            throw .preconditionFailed("invalid x-stream-offset \(value)")
        }
    }

    /// The offset to read next in `log` for this spec.
    func startOffset(in log: any MessageLog) -> LogOffset {
        switch self {
        case .first:
            return log.firstOffset
        case .last:
            return log.nextOffset > log.firstOffset ? log.nextOffset.advanced(by: -1) : log.nextOffset
        case .next:
            return log.nextOffset
        case .offset(let value):
            return max(LogOffset(value), log.firstOffset)
        case .timestamp(let milliseconds):
            // Nothing at or after that time yet: start with the next message.
            return (try? log.offset(atOrAfter: milliseconds)) ?? log.nextOffset
        }
    }
}
