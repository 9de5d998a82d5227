import NIOCore

/// The last short string read at one place in the protocol, reused while the bytes repeat. A publisher sends
/// the same exchange and routing key with every message; comparing a few bytes is cheaper than validating
/// them and, past 15 bytes, allocating a new `String` each time.
struct AMQPShortStringCache: Sendable {
    private var last = ""

    /// Reads a short string as `readAMQPShortString` does, returning the cached one when the bytes match it.
    mutating func read(from buffer: inout ByteBuffer) throws(AMQPDecodingError) -> String? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self).map(Int.init),
            buffer.readableBytes > length
        else { return nil }
        let matches = buffer.withUnsafeReadableBytes { raw in
            self.last.utf8.withContiguousStorageIfAvailable { cached in
                cached.count == length && cached.elementsEqual(raw[1..<1 + length])
            } ?? false
        }
        if matches {
            buffer.moveReaderIndex(forwardBy: 1 + length)
            return self.last
        }
        guard let string = try buffer.readAMQPShortString() else { return nil }
        self.last = string
        return string
    }
}

/// The names of the last basic.publish on a connection.
struct AMQPPublishNameCache: Sendable {
    var exchange = AMQPShortStringCache()
    var routingKey = AMQPShortStringCache()
}
