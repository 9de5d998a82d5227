public import NIOCore

/// The 8-byte protocol header a client sends first: `"AMQP" 0 0 9 1` (AMQP 0-9-1 §4.2.2).
public enum AMQPProtocolHeader {
    public static let bytes: [UInt8] = [0x41, 0x4D, 0x51, 0x50, 0, 0, 9, 1]

    /// Reads the protocol header.
    ///
    /// - Returns: nil when fewer than 8 bytes are buffered (consumes nothing); true after consuming the 8 bytes
    ///   of an AMQP 0-9-1 header.
    /// - Throws: `AMQPDecodingError.unsupportedProtocolHeader` for anything else (nothing is consumed); the server
    ///   then answers with its own header and closes (§4.2.2).
    public static func decode(_ buffer: inout ByteBuffer) throws(AMQPDecodingError) -> Bool? {
        guard let received = buffer.getBytes(at: buffer.readerIndex, length: Self.bytes.count) else { return nil }
        guard received == Self.bytes else { throw AMQPDecodingError.unsupportedProtocolHeader }
        buffer.moveReaderIndex(forwardBy: Self.bytes.count)
        return true
    }
}
