import JunctionCore
import NIOCore

extension RepeatedStringCache {
    /// Reads a short string as `readAMQPShortString` does, returning the cached one when the bytes match it.
    mutating func readAMQPShortString(from buffer: inout ByteBuffer) throws(AMQPDecodingError) -> String? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self).map(Int.init),
            buffer.readableBytes > length
        else { return nil }
        let cached = buffer.withUnsafeReadableBytes { raw in
            self.match(UnsafeRawBufferPointer(rebasing: raw[1..<1 + length]))
        }
        if let cached {
            buffer.moveReaderIndex(forwardBy: 1 + length)
            return cached
        }
        guard let string = try buffer.readAMQPShortString() else { return nil }
        self.remember(string)
        return string
    }
}

/// The names of the last basic.publish on a connection.
struct AMQPPublishNameCache: Sendable {
    var exchange = RepeatedStringCache()
    var routingKey = RepeatedStringCache()
}
