import JunctionStorage

/// The in-flight records of a shared consumer group on one log (Kafka's share groups, KIP-932):
/// every offset below `startOffset` is settled (acknowledged or dead-lettered); offsets from there to
/// `endOffset` are settled, locked by one member (acquired, until acknowledged, released or the
/// lock expires) or available again; offsets from `endOffset` on were never handed out. Pure.
struct ShareAcquisitions {
    struct Lock: Equatable {
        var holder: ObjectIdentifier
        var id: DeliveryID
        var deadline: UInt64
    }

    /// The first offset not yet settled: what the group commits (as `startOffset - 1`).
    private(set) var startOffset: LogOffset
    /// The first offset never acquired.
    private(set) var endOffset: LogOffset
    /// Released offsets, handed out again lowest first (ascending).
    private var available: [LogOffset] = []
    private var locks: [LogOffset: Lock] = [:]
    private var deliveryCounts: [LogOffset: Int] = [:]
    private var settled: Set<LogOffset> = []

    init(startOffset: LogOffset) {
        self.startOffset = startOffset
        self.endOffset = startOffset
    }

    var lockedCount: Int { self.locks.count }
    var availableCount: Int { self.available.count }

    /// Locks the next offset for `holder`: the lowest released one, else the next new one below
    /// `logEnd`. Offsets below `firstRetained` (deleted by retention) are settled on the way.
    /// Returns the offset and its delivery count (1 the first time), or nil when nothing is left.
    mutating func acquire(
        below logEnd: LogOffset, firstRetained: LogOffset, holder: ObjectIdentifier, id: DeliveryID, now: UInt64,
        timeout: UInt64
    ) -> (offset: LogOffset, deliveryCount: Int)? {
        if self.startOffset < firstRetained { self.forget(below: firstRetained) }
        let offset: LogOffset
        if !self.available.isEmpty {
            offset = self.available.removeFirst()
        } else if self.endOffset < logEnd {
            offset = self.endOffset
            self.endOffset = offset.advanced(by: 1)
        } else {
            return nil
        }
        let count = (self.deliveryCounts[offset] ?? 0) + 1
        self.deliveryCounts[offset] = count
        self.locks[offset] = Lock(holder: holder, id: id, deadline: now &+ timeout)
        return (offset, count)
    }

    /// Removes the lock of delivery `id` on `offset`; returns its delivery count, or nil when that
    /// delivery no longer holds the lock (it expired, or its holder left). The caller then settles
    /// the offset or makes it available again.
    mutating func unlock(_ offset: LogOffset, id: DeliveryID) -> Int? {
        guard let lock = self.locks[offset], lock.id == id else { return nil }
        self.locks[offset] = nil
        return self.deliveryCounts[offset] ?? 1
    }

    /// The offset is done for the group (acknowledged, rejected without requeue, dead-lettered).
    mutating func settle(_ offset: LogOffset) {
        self.locks[offset] = nil
        self.deliveryCounts[offset] = nil
        if let index = self.available.firstIndex(of: offset) { self.available.remove(at: index) }
        guard offset >= self.startOffset else { return }
        self.settled.insert(offset)
        self.advanceStart()
    }

    /// The offset may be delivered again (to any member).
    mutating func makeAvailable(_ offset: LogOffset) {
        self.locks[offset] = nil
        guard offset >= self.startOffset, !self.settled.contains(offset) else { return }
        let index = self.available.firstIndex { $0 > offset } ?? self.available.endIndex
        if index == self.available.startIndex || self.available[index - 1] != offset {
            self.available.insert(offset, at: index)
        }
    }

    /// Locks whose deadline passed, and the delivery count of each; they are unlocked.
    mutating func unlockExpired(now: UInt64) -> [(offset: LogOffset, id: DeliveryID, deliveryCount: Int)] {
        let expired = self.locks.filter { $0.value.deadline <= now }
        return expired.keys.sorted().map { offset in
            self.locks[offset] = nil
            return (offset, expired[offset]?.id ?? DeliveryID(0), self.deliveryCounts[offset] ?? 1)
        }
    }

    /// Every lock `holder` holds (it left), unlocked, with delivery counts.
    mutating func unlockAll(heldBy holder: ObjectIdentifier) -> [(offset: LogOffset, deliveryCount: Int)] {
        let held = self.locks.filter { $0.value.holder == holder }.keys.sorted()
        return held.map { offset in
            self.locks[offset] = nil
            return (offset, self.deliveryCounts[offset] ?? 1)
        }
    }

    private mutating func advanceStart() {
        while self.settled.remove(self.startOffset) != nil {
            self.startOffset = self.startOffset.advanced(by: 1)
        }
    }

    /// Retention deleted everything below `first`: those offsets are gone for the group too.
    private mutating func forget(below first: LogOffset) {
        self.available.removeAll { $0 < first }
        self.settled = self.settled.filter { $0 >= first }
        self.locks = self.locks.filter { $0.key >= first }
        self.deliveryCounts = self.deliveryCounts.filter { $0.key >= first }
        self.startOffset = first
        self.endOffset = max(self.endOffset, first)
        self.advanceStart()
    }
}
