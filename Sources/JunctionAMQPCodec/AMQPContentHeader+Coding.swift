import JunctionModel
import NIOCore

extension AMQPContentHeader {
    /// Decodes a content header frame's whole payload. Extra bytes, flags of properties basic does not have and a
    /// continuation flag word with bits set are `malformedContentHeader`.
    static func decode(payload: inout ByteBuffer) throws(AMQPDecodingError) -> AMQPContentHeader {
        var cache = AMQPPropertiesCache()
        return try Self.decode(payload: &payload, properties: &cache)
    }

    /// Decodes with the connection's last properties at hand (see `AMQPPropertiesCache`).
    static func decode(
        payload: inout ByteBuffer, properties cache: inout AMQPPropertiesCache
    ) throws(AMQPDecodingError) -> AMQPContentHeader {
        guard let classID = payload.readInteger(as: UInt16.self), let weight = payload.readInteger(as: UInt16.self),
            let bodySize = payload.readInteger(as: UInt64.self)
        else { throw AMQPDecodingError.malformedContentHeader }
        guard classID == 60 else { throw AMQPDecodingError.unknownContentClass(classID) }
        // What is left is the property flags and list, exactly.
        if let properties = cache.match(payload) {
            payload.moveReaderIndex(to: payload.writerIndex)
            return AMQPContentHeader(classID: classID, weight: weight, bodySize: bodySize, properties: properties)
        }
        let propertyBytes = payload
        guard let flags = payload.readInteger(as: UInt16.self) else { throw AMQPDecodingError.malformedContentHeader }
        guard flags & (MessagePropertyFlag.unused | MessagePropertyFlag.continuation) == 0 else {
            throw AMQPDecodingError.malformedContentHeader
        }
        guard let properties = try Self.decodeProperties(flags: flags, reading: &payload),
            payload.readableBytes == 0
        else { throw AMQPDecodingError.malformedContentHeader }
        cache.remember(propertyBytes, properties)
        return AMQPContentHeader(classID: classID, weight: weight, bodySize: bodySize, properties: properties)
    }

    /// Writes the payload of a content header frame.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.classID)
        buffer.writeInteger(self.weight)
        buffer.writeInteger(self.bodySize)
        buffer.writeBinaryMessageProperties(self.properties)
    }

    private static func decodeProperties(
        flags: UInt16, reading buffer: inout ByteBuffer
    ) throws(AMQPDecodingError)
        -> MessageProperties?
    {
        do {
            return try buffer.readBinaryMessageProperties(flags: flags)
        } catch {
            throw AMQPDecodingError(error)
        }
    }
}

/// The properties of the last content header on a connection, reused while their encoded bytes repeat: most
/// publishers send the same content type and delivery mode with every message, and decoding them again
/// would allocate a new properties box (and strings) per message. Equal bytes decode to equal properties;
/// the shared box is copy-on-write.
struct AMQPPropertiesCache: Sendable {
    /// Property lists longer than this are decoded every time (message ids and timestamps vary anyway).
    static let maximumBytes = 512
    private var bytes = ByteBuffer()
    private var properties: MessageProperties?

    func match(_ candidate: ByteBuffer) -> MessageProperties? {
        guard let properties = self.properties, candidate == self.bytes else { return nil }
        return properties
    }

    /// Keeps a copy of the bytes: a slice would hold on to the whole read buffer.
    mutating func remember(_ propertyBytes: ByteBuffer, _ properties: MessageProperties) {
        guard propertyBytes.readableBytes <= Self.maximumBytes else {
            self.properties = nil
            return
        }
        self.bytes.clear()
        self.bytes.writeImmutableBuffer(propertyBytes)
        self.properties = properties
    }
}
