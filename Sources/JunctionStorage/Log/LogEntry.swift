public import NIOCore

/// A record handed to `MessageLog.append`: the log assigns its offset.
public struct LogEntry: Equatable, Sendable {
    /// Milliseconds since the Unix epoch, chosen by the caller (usually the publish time).
    public var timestamp: Int64
    /// Optional key bytes (`nil` is stored distinctly from an empty key).
    public var key: ByteBuffer?
    /// The payload; the core stores the encoded message here.
    public var value: ByteBuffer

    public init(timestamp: Int64, key: ByteBuffer? = nil, value: ByteBuffer) {
        self.timestamp = timestamp
        self.key = key
        self.value = value
    }
}
