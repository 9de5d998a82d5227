import DequeModule
import JunctionStorage

/// The deliveries one reader of one log (a stream, later one partition of it) has outstanding, in
/// delivery order, and the offset up to which every one of them was acknowledged: the only offset
/// a consumer group may commit. A delivery that was returned (rejected with requeue, or released
/// when its consumer went) is not processed: it and everything after it stay uncommitted, so the
/// group reads them again.
struct AcknowledgedPrefix {
    private var unacked: [DeliveryID: LogOffset] = [:]
    /// Deliveries in delivery order (offsets increase), so the acknowledged prefix is found by popping.
    private var outstanding: Deque<(id: DeliveryID, offset: LogOffset)> = []
    /// The highest offset acknowledged and popped off the front so far, not yet taken by `takeCommit`.
    private var acknowledgedThrough: LogOffset?

    var unackedCount: Int { self.unacked.count }

    mutating func delivered(_ id: DeliveryID, offset: LogOffset) {
        self.unacked[id] = offset
        self.outstanding.append((id, offset))
    }

    /// Marks deliveries acknowledged; false when none of them was outstanding.
    mutating func acknowledge(_ ids: [DeliveryID]) -> Bool {
        var removed = false
        for id in ids where self.unacked.removeValue(forKey: id) != nil {
            removed = true
        }
        if removed { self.popAcknowledged() }
        return removed
    }

    /// Returns deliveries unprocessed: the lowest of them and every later delivery are forgotten
    /// (they will be read again from that offset), so the acknowledged prefix ends before it.
    /// Returns that lowest offset, or nil when none of them was outstanding.
    mutating func giveBack(_ ids: [DeliveryID]) -> LogOffset? {
        var lowest: LogOffset?
        for id in ids {
            if let offset = self.unacked[id] {
                lowest = min(lowest ?? offset, offset)
            }
        }
        guard let lowest else { return nil }
        while let last = self.outstanding.last, last.offset >= lowest {
            self.outstanding.removeLast()
            self.unacked[last.id] = nil
        }
        return lowest
    }

    /// The offset through which everything is newly acknowledged since the last call, if it moved.
    mutating func takeCommit() -> LogOffset? {
        defer { self.acknowledgedThrough = nil }
        return self.acknowledgedThrough
    }

    /// Pops deliveries that are no longer unacked from the front: the last popped is acknowledged
    /// together with everything before it.
    private mutating func popAcknowledged() {
        while let first = self.outstanding.first, self.unacked[first.id] == nil {
            self.acknowledgedThrough = first.offset
            self.outstanding.removeFirst()
        }
    }
}
