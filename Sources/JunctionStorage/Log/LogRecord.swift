public import NIOCore

/// A record read back from a log. `key` and `value` are slices of the read buffer, not copies.
public struct LogRecord: Equatable, Sendable {
    public var offset: LogOffset
    /// Milliseconds since the Unix epoch, as given to `append`.
    public var timestamp: Int64
    public var key: ByteBuffer?
    public var value: ByteBuffer
    /// The attributes of the batch the record was appended in.
    public var attributes: UInt16
    /// The leader epoch of the batch the record was appended in.
    public var leaderEpoch: Int32

    public init(
        offset: LogOffset,
        timestamp: Int64,
        key: ByteBuffer? = nil,
        value: ByteBuffer,
        attributes: UInt16 = 0,
        leaderEpoch: Int32 = 0
    ) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.attributes = attributes
        self.leaderEpoch = leaderEpoch
    }
}
