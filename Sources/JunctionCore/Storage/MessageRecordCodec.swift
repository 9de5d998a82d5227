public import JunctionModel
public import NIOCore

/// How a `Message` is stored as the value of a log record (durable queues and streams).
///
/// Layout, version 1: version (1) · exchange (short string) · routing key (short string) ·
/// properties (the canonical binary property list: flags word, then present properties) · body
/// (the rest of the record). Fixed order; a new field means a new version byte.
public enum MessageRecordCodec {
    public static let version: UInt8 = 1

    public enum DecodingError: Error, Equatable {
        case unsupportedVersion(UInt8)
        case truncated
        case malformed(BinaryEncodingError)
    }

    public static func encode(_ message: Message, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer
    {
        var buffer = allocator.buffer(capacity: 64 + message.body.readableBytes)
        Self.write(message, into: &buffer)
        return buffer
    }

    /// Writes `message`'s record value behind what `buffer` holds (a durable queue writes it straight into
    /// its log's batch: `SegmentedLog.append(timestamp:writeValue:)`).
    public static func write(_ message: Message, into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: 64 + message.body.readableBytes)
        buffer.writeInteger(Self.version)
        buffer.writeBinaryShortString(message.exchange)
        buffer.writeBinaryShortString(message.routingKey)
        buffer.writeBinaryMessageProperties(message.properties)
        buffer.writeImmutableBuffer(message.body)
    }

    /// The body of the returned message is a slice of `record`, not a copy.
    public static func decode(_ record: ByteBuffer) throws(DecodingError) -> Message {
        var buffer = record
        guard let version = buffer.readInteger(as: UInt8.self) else { throw .truncated }
        guard version == Self.version else { throw .unsupportedVersion(version) }
        do {
            guard let exchange = try buffer.readBinaryShortString(),
                let routingKey = try buffer.readBinaryShortString(),
                let flags = buffer.readInteger(as: UInt16.self),
                let properties = try buffer.readBinaryMessageProperties(flags: flags)
            else { throw DecodingError.truncated }
            return Message(exchange: exchange, routingKey: routingKey, properties: properties, body: buffer)
        } catch let error as BinaryEncodingError {
            throw .malformed(error)
        } catch let error as DecodingError {
            throw error
        } catch {
            throw .truncated
        }
    }
}
