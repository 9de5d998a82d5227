import JunctionStorage

/// A named consumer group of one stream: its committed offset (the last offset whose message and
/// all before it were acknowledged) and its members, of which the first is the active one.
final class StreamConsumerGroup {
    let name: String
    var committedOffset: LogOffset?
    /// The highest offset any former active member was given (in memory only): the next member's
    /// deliveries at or below it are redeliveries.
    var deliveredThrough: LogOffset?
    var members: [StreamSubscription] = []
    /// Set for a shared group (`x-consumer-group-type: shared`): every member receives, message by
    /// message, and these are the group's acquired and settled offsets.
    var share: ShareAcquisitions?
    /// The member a shared group's next round starts with (round robin across dispatches).
    var nextShareMember = 0

    init(name: String, committedOffset: LogOffset?) {
        self.name = name
        self.committedOffset = committedOffset
    }

    var active: StreamSubscription? { self.members.first }

    /// `member` becomes the active one: it resumes after the committed offset and marks what
    /// earlier members were given as redelivered.
    func activate(_ member: StreamSubscription, in log: any MessageLog) {
        member.position = self.resumeOffset(for: member, in: log)
        member.deliveredThrough = Self.later(member.deliveredThrough, self.deliveredThrough)
        member.isActive = true
    }

    /// The active member `member` left: what it was given counts as delivered for the group.
    func deactivated(_ member: StreamSubscription) {
        self.deliveredThrough = Self.later(self.deliveredThrough, member.deliveredThrough)
    }

    private static func later(_ a: LogOffset?, _ b: LogOffset?) -> LogOffset? {
        guard let a else { return b }
        guard let b else { return a }
        return Swift.max(a, b)
    }

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
    /// A shared group: every member receives (no active member).
    public var isShared: Bool

    public init(
        name: String, committedOffset: Int64?, lag: Int64, activeConsumerTag: String?, memberCount: Int,
        isShared: Bool = false
    ) {
        self.name = name
        self.committedOffset = committedOffset
        self.lag = lag
        self.activeConsumerTag = activeConsumerTag
        self.memberCount = memberCount
        self.isShared = isShared
    }
}

@available(*, unavailable)
extension StreamConsumerGroup: Sendable {}
