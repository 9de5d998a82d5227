/// The offset a consumer group of a stream has committed. `updatedAtMilliseconds` is the caller's
/// clock (milliseconds since the Unix epoch); the store never reads the time itself.
public struct ConsumerOffsetRecord: Hashable, Sendable {
    public var virtualHost: String
    public var stream: String
    public var group: String
    public var offset: UInt64
    public var updatedAtMilliseconds: UInt64

    public init(virtualHost: String, stream: String, group: String, offset: UInt64, updatedAtMilliseconds: UInt64) {
        self.virtualHost = virtualHost
        self.stream = stream
        self.group = group
        self.offset = offset
        self.updatedAtMilliseconds = updatedAtMilliseconds
    }
}
