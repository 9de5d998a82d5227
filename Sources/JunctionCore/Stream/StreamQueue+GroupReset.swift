import JunctionStorage

/// Where `reset-offsets` moves a consumer group, as `kafka-consumer-groups --reset-offsets --to-…`:
/// the group's next read is the first retained message, the end of the stream, an offset, or the
/// first message stored at or after a time.
public enum StreamGroupResetTarget: Sendable, Equatable {
    case earliest
    case latest
    case offset(Int64)
    /// Milliseconds since the Unix epoch.
    case timestamp(milliseconds: Int64)
}

/// What a reset did: the committed offset before and after, and the offset the group reads next.
public struct StreamGroupReset: Sendable, Equatable {
    public var group: String
    public var previousCommittedOffset: Int64?
    /// The last offset counted as processed (`nextOffset - 1`; -1 when the group reads from offset 0).
    public var committedOffset: Int64
    public var nextOffset: Int64
}

extension StreamQueue {
    /// Moves the group's committed offset so that it reads `target` next; a group that does not
    /// exist yet is created there (its first member starts at it). Persisted at the next group commit.
    ///
    /// - Parameter force: with members attached the reset is refused (as Kafka refuses it for an
    ///   active group) unless `force`: then the active member continues from the new offset, and
    ///   the deliveries the members hold no longer commit anything when acknowledged (their acks
    ///   are ignored), so they cannot move the offset past the reset afterwards. A shared group
    ///   (`x-consumer-group-type: shared`) is reset only without members: its members hold locks.
    /// - Throws: `.resourceLocked` for a group with members without `force`; `.preconditionFailed`
    ///   for a negative offset; `.notFound` after the stream was deleted.
    public func resetGroup(
        _ name: String, to target: StreamGroupResetTarget, force: Bool
    ) throws(BrokerError) -> StreamGroupReset {
        guard !self.isDeleted else { throw .notFound("stream '\(self.name)' was deleted") }
        let group = self.groupsByName[name] ?? StreamConsumerGroup(name: name, committedOffset: nil)
        guard group.members.isEmpty || (force && group.share == nil) else {
            if group.share != nil {
                throw .resourceLocked(
                    "shared consumer group '\(name)' of stream '\(self.name)' has \(group.members.count) member(s) "
                        + "holding records; stop them first")
            }
            throw .resourceLocked(
                "consumer group '\(name)' of stream '\(self.name)' has \(group.members.count) member(s); "
                    + "stop them first or force the reset")
        }
        let next: LogOffset
        switch target {
        case .earliest: next = self.log.firstOffset
        case .latest: next = self.log.nextOffset
        case .offset(let value):
            guard value >= 0 else { throw .preconditionFailed("offset \(value) is negative") }
            next = min(max(LogOffset(value), self.log.firstOffset), self.log.nextOffset)
        case .timestamp(let milliseconds):
            next = StreamOffsetSpec.timestamp(milliseconds: milliseconds).startOffset(in: self.log)
        }
        let previous = group.committedOffset?.rawValue
        let committed = next.advanced(by: -1)
        group.committedOffset = committed
        self.groupsByName[name] = group
        if committed.rawValue >= 0 {
            self.storage.offsetCommitted(stream: self.key, group: name, offset: committed)
        } else {
            // "Nothing processed yet" has no stored form (offsets are unsigned): the stored offset
            // goes, and after a restart the group starts at its first member's x-stream-offset.
            self.storage.forgetOffset(stream: self.key, group: name)
        }
        if group.share != nil {
            // A shared group (no members now) hands out records from the new offset on.
            group.share = ShareAcquisitions(startOffset: next)
        }
        for member in group.members {
            member.acknowledged = AcknowledgedPrefix()
        }
        if let active = group.active {
            group.activate(active, in: self.log)
            self.dispatch()
        }
        return StreamGroupReset(
            group: name, previousCommittedOffset: previous, committedOffset: committed.rawValue,
            nextOffset: next.rawValue)
    }
}
