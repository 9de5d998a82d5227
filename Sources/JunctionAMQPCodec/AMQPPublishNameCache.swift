import JunctionModel
import NIOCore

/// The names of the last basic.publish on a connection, reused while a publisher repeats them.
struct AMQPPublishNameCache: Sendable {
    var exchange = RepeatedStringCache()
    var routingKey = RepeatedStringCache()
}

extension RepeatedStringCache {
    /// Reads a short string as `readAMQPShortString` does, returning the cached one when the bytes match it.
    mutating func readAMQPShortString(from buffer: inout ByteBuffer) throws(AMQPDecodingError) -> String? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        if let cached = self.take(from: &buffer, lengthFieldBytes: 1, length: Int(length)) { return cached }
        guard let string = try buffer.readAMQPShortString() else { return nil }
        self.remember(string)
        return string
    }
}
