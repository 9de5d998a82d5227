import DequeModule

/// The state of a queue with `x-message-groups: true` (ActiveMQ's JMSXGroupID, SQS FIFO's
/// MessageGroupId): messages with the same `x-group-id` go out in order, one unacknowledged at a time.
struct MessageGroupState {
    /// Groups with an unacknowledged delivery.
    var inFlight: Set<String> = []
    /// Messages that reached the head while their group was in flight, in order, per group.
    var parked: [String: Deque<QueuedMessage>] = [:]
    /// Groups no longer in flight that have parked messages, in the order they became free: they are
    /// served before the ready messages (their parked messages are older).
    var released: Deque<String> = []
    var parkedCount = 0
}

/// Dispatch of a group queue. A message whose group is in flight is moved aside (parked) when it
/// reaches the head, so the messages behind it, of other groups, go on; when its group's delivery is
/// acknowledged or rejected, the group's next parked message goes first. A requeued message (nack,
/// reject, consumer loss) goes back to the front of its group, redelivered. Messages without
/// `x-group-id` are each a group of their own. A delivery without acknowledgement (no-ack consumers,
/// `get` with no-ack) holds nothing back. Ordinary queues never come here (`groups` is nil).
extension MessageQueue {
    var parkedCount: Int { self.groups?.parkedCount ?? 0 }

    /// `dispatch()` of a group queue; the caller holds `isDispatching`.
    func dispatchGrouped() {
        while !self.isDeleted, !self.ready.isEmpty || !self.groups!.released.isEmpty {
            // A turn that finds every waiting message held back is given back, so the round robin
            // stays fair.
            let turn = self.nextConsumerIndex
            guard let subscription = self.nextConsumer() else { break }
            guard let entry = self.popGroupedHead(locking: !subscription.noAck) else {
                self.nextConsumerIndex = turn
                break
            }
            self.deliver(entry, to: subscription)
        }
    }

    /// The oldest message whose group is free; with `locking`, its group is in flight from now on.
    func popGroupedHead(locking: Bool) -> QueuedMessage? {
        while let group = self.groups!.released.popFirst() {
            guard let entry = self.unpark(group) else { continue }
            let more = self.groups!.parked[group] != nil
            if let expiresAt = entry.expiresAt, expiresAt <= self.clock.nowMilliseconds() {
                if more { self.groups!.released.prepend(group) }
                self.settle(entry)
                self.deadLetter(entry, reason: .expired)
                continue
            }
            if locking {
                self.groups!.inFlight.insert(group)
            } else if more {
                self.groups!.released.prepend(group)
            }
            return entry
        }
        while let entry = self.popLiveHead() {
            guard let group = entry.message.headerKey(QueueArguments.groupHeader) else { return entry }
            if self.groups!.inFlight.contains(group) || self.groups!.parked[group] != nil {
                self.park(entry, group: group, atFront: false)
                continue
            }
            if locking { self.groups!.inFlight.insert(group) }
            return entry
        }
        return nil
    }

    /// A delivery of this queue was acknowledged, rejected or dead-lettered: its group is free.
    func releaseGroup(of entry: QueuedMessage) {
        guard let group = entry.message.headerKey(QueueArguments.groupHeader),
            self.groups!.inFlight.remove(group) != nil
        else { return }
        if self.groups!.parked[group] != nil { self.groups!.released.append(group) }
    }

    /// Requeues a rejected delivery. A grouped one goes back to the front of its group, and its group
    /// to the front of the free ones; returns false for an ungrouped one (the caller requeues it at the head).
    func requeueGrouped(_ entry: QueuedMessage) -> Bool {
        guard let group = entry.message.headerKey(QueueArguments.groupHeader) else { return false }
        self.groups!.inFlight.remove(group)
        let wasWaiting = self.groups!.parked[group] != nil
        self.park(entry, group: group, atFront: true)
        if wasWaiting, let index = self.groups!.released.firstIndex(of: group) {
            self.groups!.released.remove(at: index)
        }
        self.groups!.released.prepend(group)
        return true
    }

    /// Purge and delete: the parked messages go with the ready ones. Returns how many there were.
    func removeParked(settling: Bool) -> Int {
        guard let state = self.groups else { return 0 }
        self.groups = MessageGroupState(inFlight: state.inFlight)
        for (_, messages) in state.parked {
            for entry in messages {
                self.adjustReadyBytes(by: -entry.size)
                if settling { self.settle(entry) }
            }
        }
        return state.parkedCount
    }

    private func park(_ entry: QueuedMessage, group: String, atFront: Bool) {
        self.adjustReadyBytes(by: entry.size)
        self.groups!.parkedCount += 1
        if atFront {
            self.groups!.parked[group, default: []].prepend(entry)
        } else {
            self.groups!.parked[group, default: []].append(entry)
        }
    }

    private func unpark(_ group: String) -> QueuedMessage? {
        guard let entry = self.groups!.parked[group]?.popFirst() else { return nil }
        if self.groups!.parked[group]!.isEmpty { self.groups!.parked[group] = nil }
        self.groups!.parkedCount -= 1
        self.adjustReadyBytes(by: -entry.size)
        return entry
    }
}
