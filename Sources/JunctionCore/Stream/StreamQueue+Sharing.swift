import JunctionModel
import JunctionStorage

/// How a stream's shared groups hold and redeliver messages, from its declaration.
struct ShareSettings: Equatable {
    /// RabbitMQ's consumer timeout is 30 minutes; Kafka's share-group record lock is 30 s (KIP-932).
    static let defaultAcquisitionTimeout: UInt64 = 30_000

    /// `x-acquisition-timeout` (ms): a message a member holds unacknowledged longer is available again.
    var acquisitionTimeout: UInt64 = Self.defaultAcquisitionTimeout
    /// `x-delivery-limit`: a message returned more than this many times is dead-lettered (reason
    /// `delivery_limit`) instead of being delivered again, as quorum queues do; nil is no limit.
    /// Every delivery of a shared group ends in a settle or a return, so returns = deliveries here.
    var deliveryLimit: Int?
}

/// How a shared member settled a delivery.
enum ShareOutcome {
    case acknowledged
    /// Rejected with requeue: any member may get it again.
    case released
    /// Rejected without requeue: dead-lettered (reason `rejected`).
    case rejected
}

/// Shared groups (`x-consumer-group-type: shared`, Kafka's share groups): the members of a group take
/// single messages round robin and settle each one; the log itself is untouched, so offset readers and
/// other groups still read everything. The group commits the offset below which everything is settled.
extension StreamQueue {
    func subscribeShared(
        tag: String, consumer: any StreamConsumer, start: StreamOffsetSpec, group: StreamConsumerGroup, prefetch: Int,
        owner: ConnectionID
    ) -> StreamSubscription {
        if group.share == nil {
            let first =
                group.committedOffset.map { max($0.advanced(by: 1), self.log.firstOffset) }
                ?? start.startOffset(in: self.log)
            group.share = ShareAcquisitions(startOffset: first)
        }
        let subscription = StreamSubscription(
            tag: tag, stream: self, group: group.name, owner: owner, consumer: consumer, start: start,
            prefetch: prefetch, position: .zero, isActive: true)
        subscription.isShareMember = true
        group.members.append(subscription)
        self.subscriptions.append(subscription)
        return subscription
    }

    /// Hands out messages to the group's members with credit, one at a time, round robin.
    func pumpShared(_ group: StreamConsumerGroup) {
        var idle = 0
        while !group.members.isEmpty, idle < group.members.count, !self.isDeleted {
            let index = group.nextShareMember % group.members.count
            let member = group.members[index]
            guard member.canReceive else {
                group.nextShareMember = index + 1
                idle += 1
                continue
            }
            guard self.deliverShared(in: group, to: member) else { return }
            group.nextShareMember = index + 1
            idle = 0
        }
    }

    /// Acquires the group's next message for `member` and delivers it; false when none is left.
    private func deliverShared(in group: StreamConsumerGroup, to member: StreamSubscription) -> Bool {
        let id = self.takeDeliveryID()
        guard
            let (offset, count) = group.share?.acquire(
                below: self.log.nextOffset, firstRetained: self.log.firstOffset, holder: ObjectIdentifier(member),
                id: id, now: self.clock.nowMilliseconds(), timeout: self.shareSettings.acquisitionTimeout)
        else { return false }
        guard let message = self.message(at: offset) else {
            // A record that does not read is skipped, not redelivered forever.
            group.share?.settle(offset)
            self.commitShared(group)
            return true
        }
        member.shareLocks[id] = offset
        self.handOver(message, offset: offset, id: id, redelivered: count > 1, to: member)
        return true
    }

    /// Acks settle; a reject with requeue makes the message available to any member (or dead-letters
    /// it at the delivery limit); a reject without requeue dead-letters it. Stale ids are ignored.
    func settleShared(_ ids: [DeliveryID], of member: StreamSubscription, outcome: ShareOutcome) {
        guard let name = member.group, let group = self.groupsByName[name] else { return }
        for id in ids {
            guard let offset = member.shareLocks.removeValue(forKey: id),
                let count = group.share?.unlock(offset, id: id)
            else { continue }
            switch outcome {
            case .acknowledged: group.share?.settle(offset)
            case .rejected: self.deadLetterShared(offset, reason: .rejected, in: group)
            case .released: self.returnShared(offset, deliveryCount: count, in: group)
            }
        }
        self.commitShared(group)
        self.dispatch()
    }

    /// A member left: what it held is available to the others again.
    func releaseLocks(of member: StreamSubscription, in group: StreamConsumerGroup) {
        member.shareLocks.removeAll()
        for (offset, count) in group.share?.unlockAll(heldBy: ObjectIdentifier(member)) ?? [] {
            self.returnShared(offset, deliveryCount: count, in: group)
        }
        self.commitShared(group)
        self.dispatch()
    }

    /// Locks held past `x-acquisition-timeout` expire (called on the broker's expiry timer).
    func expireShareLocks(now: UInt64) {
        var expiredAny = false
        for group in self.groupsByName.values where group.share != nil {
            let expired = group.share?.unlockExpired(now: now) ?? []
            for lock in expired {
                for member in group.members { member.shareLocks[lock.id] = nil }
                self.returnShared(lock.offset, deliveryCount: lock.deliveryCount, in: group)
            }
            if !expired.isEmpty {
                expiredAny = true
                self.commitShared(group)
            }
        }
        if expiredAny { self.dispatch() }
    }

    private func returnShared(_ offset: LogOffset, deliveryCount: Int, in group: StreamConsumerGroup) {
        if let limit = self.shareSettings.deliveryLimit, deliveryCount > limit {
            self.deadLetterShared(offset, reason: .deliveryLimit, in: group)
        } else {
            group.share?.makeAvailable(offset)
        }
    }

    /// Dead-letters the message through the stream's `x-dead-letter-exchange` (dropped without one);
    /// the group is done with it, the log keeps it.
    private func deadLetterShared(_ offset: LogOffset, reason: DeathReason, in group: StreamConsumerGroup) {
        group.share?.settle(offset)
        if let message = self.message(at: offset) {
            self.queue.host?.deadLetter(message, from: self.queue, reason: reason)
        }
    }

    private func commitShared(_ group: StreamConsumerGroup) {
        guard let start = group.share?.startOffset, start.rawValue > 0 else { return }
        self.commit(group: group.name, through: start.advanced(by: -1))
    }

    /// The message stored at `offset`, or nil when it is gone or does not decode.
    func message(at offset: LogOffset) -> Message? {
        if let tail = self.tail, tail.offset == offset { return tail.message }
        do {
            let records = try self.log.read(from: offset, maxRecords: 1, maxBytes: Self.readBatchBytes)
            guard let record = records.first, record.offset == offset else { return nil }
            return try MessageRecordCodec.decode(record.value)
        } catch {
            self.storage.readFailed(error, stream: self.key)
            return nil
        }
    }
}
