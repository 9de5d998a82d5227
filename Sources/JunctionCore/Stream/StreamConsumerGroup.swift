import JunctionStorage

/// A named consumer group of one stream: its committed offset (the last offset whose message and
/// all before it were acknowledged) and its members, of which the first is the active one.
final class StreamConsumerGroup {
    let name: String
    var committedOffset: LogOffset?
    var members: [StreamSubscription] = []

    init(name: String, committedOffset: LogOffset?) {
        self.name = name
        self.committedOffset = committedOffset
    }

    var active: StreamSubscription? { self.members.first }

    /// Where the group's active member starts: after the committed offset, else its own `x-stream-offset`.
    func resumeOffset(for member: StreamSubscription, in log: any MessageLog) -> LogOffset {
        if let committed = self.committedOffset {
            return max(committed.advanced(by: 1), log.firstOffset)
        }
        return member.start.startOffset(in: log)
    }
}

/// A consumer group as metrics and the management API see it.
public struct StreamGroupInfo: Sendable, Equatable {
    public var name: String
    /// nil until the group acknowledged something.
    public var committedOffset: Int64?
    /// Messages in the stream after the committed offset (last offset − committed offset).
    public var lag: Int64
    public var activeConsumerTag: String?
    public var memberCount: Int

    public init(name: String, committedOffset: Int64?, lag: Int64, activeConsumerTag: String?, memberCount: Int) {
        self.name = name
        self.committedOffset = committedOffset
        self.lag = lag
        self.activeConsumerTag = activeConsumerTag
        self.memberCount = memberCount
    }
}

@available(*, unavailable)
extension StreamConsumerGroup: Sendable {}
