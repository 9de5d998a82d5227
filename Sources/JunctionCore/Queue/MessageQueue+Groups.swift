import DequeModule

/// The state of a queue with `x-message-groups: true` (ActiveMQ's JMSXGroupID, SQS FIFO's
/// MessageGroupId): messages with the same `x-group-id` go out in order, and while a group has
/// unacknowledged deliveries nobody else gets a message of it.
struct MessageGroupState {
    /// Groups with unacknowledged deliveries.
    var inFlight: [String: GroupLock] = [:]
    /// Messages that reached the head while their group was in flight, in order, per group.
    var parked: [String: Deque<QueuedMessage>] = [:]
    /// Groups no longer in flight that have parked messages, in the order they became free: they are
    /// served before the ready messages (their parked messages are older).
    var released: Deque<String> = []
    /// Parked messages, those held in `GroupLock.returned` included (they all count as ready).
    var parkedCount = 0
    /// The group an owner took from the parked ones and may go on taking (one receive's run).
    var run: (group: String, owner: UInt64)?
    /// The last owner token handed out (`newGroupOwner`); 0 means "no owner".
    var lastOwner: UInt64 = 0
}

/// A group with unacknowledged deliveries.
struct GroupLock {
    /// Its unacknowledged deliveries; the group is free again when this is back to 0.
    var count: Int
    /// Who may take more of the group while it is held: one get batch or one run-taking subscription
    /// (SQS ReceiveMessage); 0 for everyone else (AMQP, STOMP, MQTT consumers and `basic.get`), which
    /// keeps one delivery per group.
    var owner: UInt64
    /// Deliveries of the group requeued while others were still out, with their delivery ids (the
    /// group's order), put back at the front of the group once the last one is settled.
    var returned: [(id: DeliveryID, entry: QueuedMessage)] = []
}

/// Dispatch of a group queue. A message whose group is in flight is moved aside (parked) when it
/// reaches the head, so the messages behind it, of other groups, go on; when the group's deliveries
/// are all acknowledged or rejected, the group's next parked message goes first. A requeued message
/// (nack, reject, consumer loss, SQS visibility expiry) goes back to the front of its group,
/// redelivered; when several of one group come back, they go back in their order once none of the
/// group is out any more. Messages without `x-group-id` are each a group of their own. A delivery
/// without acknowledgement (no-ack consumers, `get` with no-ack) holds nothing back.
///
/// Consumers and `basic.get` hold a group by one delivery. An owner (a `getBatch` call, a subscription
/// with `takesGroupRuns`) may take the next messages of a group it holds, in order: SQS FIFO's receive,
/// which returns as many of one group as it can. Ordinary queues never come here (`groups` is nil).
extension MessageQueue {
    var parkedCount: Int { self.groups?.parkedCount ?? 0 }

    /// `dispatch()` of a group queue; the caller holds `isDispatching`.
    func dispatchGrouped() {
        while !self.isDeleted, !self.ready.isEmpty || !self.groups!.released.isEmpty || self.groups!.run != nil {
            // A turn that finds every waiting message held back is given back, so the round robin
            // stays fair.
            let turn = self.nextConsumerIndex
            guard let subscription = self.nextConsumer() else { break }
            let owner = subscription.noAck ? 0 : self.groupOwner(of: subscription)
            guard let entry = self.popGroupedHead(locking: !subscription.noAck, owner: owner) else {
                self.nextConsumerIndex = turn
                break
            }
            self.deliver(entry, to: subscription)
        }
    }

    /// A new owner token: deliveries made under it may share their groups with each other only.
    func newGroupOwner() -> UInt64 {
        self.groups!.lastOwner &+= 1
        return self.groups!.lastOwner
    }

    private func groupOwner(of subscription: Subscription) -> UInt64 {
        guard subscription.takesGroupRuns else { return 0 }
        if subscription.groupOwner == 0 { subscription.groupOwner = self.newGroupOwner() }
        return subscription.groupOwner
    }

    /// The oldest message whose group is free (or held by `owner`, when not 0); with `locking`, its
    /// group is in flight from now on.
    func popGroupedHead(locking: Bool, owner: UInt64 = 0) -> QueuedMessage? {
        // An owner goes on with the parked messages of the group it took last (they are older than the
        // ready ones). A run replaced by another owner's leaves its rest parked until its group is free.
        if owner != 0, let run = self.groups!.run, run.owner == owner {
            if let entry = self.takeParked(of: run.group) { return entry }
            self.groups!.run = nil
        }
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
                self.groups!.inFlight[group] = GroupLock(count: 1, owner: owner)
                if more && owner != 0 { self.groups!.run = (group, owner) }
            } else if more {
                self.groups!.released.prepend(group)
            }
            return entry
        }
        while let entry = self.popLiveHead() {
            guard let group = entry.message.headerKey(QueueArguments.groupHeader) else { return entry }
            if let lock = self.groups!.inFlight[group] {
                if locking, owner != 0, lock.owner == owner, self.groups!.parked[group] == nil {
                    self.groups!.inFlight[group]!.count += 1
                    return entry
                }
                self.park(entry, group: group, atFront: false)
                continue
            }
            if self.groups!.parked[group] != nil {
                self.park(entry, group: group, atFront: false)
                continue
            }
            if locking { self.groups!.inFlight[group] = GroupLock(count: 1, owner: owner) }
            return entry
        }
        return nil
    }

    /// How many messages of other groups one receive moves aside, at most, looking for more of the group it
    /// took (`gatherGroup`): bounds its work and the messages it parks.
    static let groupLookAhead = 100

    /// A get batch took a message of `group` (and holds it): up to `room` more of that group, in order, from
    /// its parked ones and then from the head, as SQS FIFO "first attempts to return as many messages with
    /// the same message group ID as possible". Messages of other groups met on the way are parked (their
    /// groups served before the ready messages, so no group's order changes); it stops at a message without
    /// a group (it cannot be parked: it goes back to the head), after `groupLookAhead` others, or at the end.
    func gatherGroup(_ group: String, room: Int) -> [QueuedMessage] {
        var taken: [QueuedMessage] = []
        while taken.count < room, let entry = self.takeParked(of: group) { taken.append(entry) }
        guard self.groups!.parked[group] == nil else { return taken }
        var passed = 0
        while taken.count < room, passed < Self.groupLookAhead, let entry = self.popLiveHead() {
            guard let other = entry.message.headerKey(QueueArguments.groupHeader) else {
                self.requeueAtHead(entry)
                break
            }
            if other == group {
                self.groups!.inFlight[group]!.count += 1
                taken.append(entry)
                continue
            }
            passed += 1
            let waiting = self.groups!.inFlight[other] != nil || self.groups!.parked[other] != nil
            self.park(entry, group: other, atFront: false)
            if !waiting { self.groups!.released.append(other) }
        }
        return taken
    }

    /// The next parked message of a group the caller holds (expired ones are dead-lettered on the way).
    private func takeParked(of group: String) -> QueuedMessage? {
        while let entry = self.unpark(group) {
            if let expiresAt = entry.expiresAt, expiresAt <= self.clock.nowMilliseconds() {
                self.settle(entry)
                self.deadLetter(entry, reason: .expired)
                continue
            }
            self.groups!.inFlight[group]!.count += 1
            return entry
        }
        return nil
    }

    /// A delivery of this queue was acknowledged, rejected or dead-lettered: one fewer of its group is out.
    func releaseGroup(of entry: QueuedMessage) {
        guard let group = entry.message.headerKey(QueueArguments.groupHeader),
            var lock = self.groups!.inFlight[group]
        else { return }
        lock.count -= 1
        if lock.count > 0 {
            self.groups!.inFlight[group] = lock
        } else {
            self.free(group, lock)
        }
    }

    /// Requeues a rejected delivery. A grouped one goes back to the front of its group (in delivery order
    /// with others of its group returned meanwhile), and its group to the front of the free ones once
    /// none of it is out; returns false for an ungrouped one (the caller requeues it at the head).
    func requeueGrouped(_ entry: QueuedMessage, id: DeliveryID) -> Bool {
        guard let group = entry.message.headerKey(QueueArguments.groupHeader) else { return false }
        self.adjustReadyBytes(by: entry.size)
        self.groups!.parkedCount += 1
        guard var lock = self.groups!.inFlight[group] else {
            // Not held (it cannot be, but a requeue must never lose a message): back to the front.
            self.groups!.parked[group, default: []].prepend(entry)
            self.moveToFrontOfReleased(group)
            return true
        }
        let index = lock.returned.firstIndex { $0.id > id } ?? lock.returned.endIndex
        lock.returned.insert((id, entry), at: index)
        lock.count -= 1
        if lock.count > 0 {
            self.groups!.inFlight[group] = lock
        } else {
            self.free(group, lock)
        }
        return true
    }

    /// The last delivery of `group` was settled: what came back goes first, then what was parked.
    private func free(_ group: String, _ lock: GroupLock) {
        self.groups!.inFlight[group] = nil
        if self.groups!.run?.group == group { self.groups!.run = nil }
        if lock.returned.isEmpty {
            if self.groups!.parked[group] != nil { self.groups!.released.append(group) }
            return
        }
        // Already counted as parked when they came back.
        for item in lock.returned.reversed() {
            self.groups!.parked[group, default: []].prepend(item.entry)
        }
        self.moveToFrontOfReleased(group)
    }

    private func moveToFrontOfReleased(_ group: String) {
        if let index = self.groups!.released.firstIndex(of: group) {
            self.groups!.released.remove(at: index)
        }
        self.groups!.released.prepend(group)
    }

    /// Purge and delete: the parked messages go with the ready ones. Returns how many there were.
    func removeParked(settling: Bool) -> Int {
        guard var state = self.groups else { return 0 }
        var removed: [QueuedMessage] = state.parked.values.flatMap { $0 }
        for (group, lock) in state.inFlight where !lock.returned.isEmpty {
            removed += lock.returned.map(\.entry)
            state.inFlight[group]!.returned = []
        }
        self.groups = MessageGroupState(inFlight: state.inFlight, lastOwner: state.lastOwner)
        for entry in removed {
            self.adjustReadyBytes(by: -entry.size)
            if settling { self.settle(entry) }
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
