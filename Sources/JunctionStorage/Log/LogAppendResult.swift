/// What one `append` assigned and how much of the log is durable afterwards.
public struct LogAppendResult: Equatable, Sendable {
    /// The offset of the first appended record.
    public var firstOffset: LogOffset
    /// The offset of the last appended record.
    public var lastOffset: LogOffset
    /// Every offset below this one is durable (on stable storage). Under `FsyncPolicy.always` it is
    /// `lastOffset + 1` on return; under the other policies it may lag until a later `sync()`.
    public var durableOffset: LogOffset

    public init(firstOffset: LogOffset, lastOffset: LogOffset, durableOffset: LogOffset) {
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.durableOffset = durableOffset
    }

    /// Whether the appended records are already durable.
    public var isDurable: Bool { self.durableOffset > self.lastOffset }
}
