import JunctionModel

/// The timer index of one virtual host: every message waiting for its due time, ordered by it.
/// In memory it keeps 24 bytes per message (`DelayEntry`); persistent messages bound for durable
/// targets live in the delay log on disk (`DelayLog`) and are read back when due, the others are
/// held here. Confined to the engine loop.
final class DelayedMessages {
    private var heap = DelayHeap()
    /// Every target ever scheduled to, by the index entries carry (names only: a few per host).
    private var targets: [DelayTarget] = []
    private var targetIndexes: [DelayTarget: UInt32] = [:]
    /// Messages held in memory (transient, or no delay log), by key (high bit set).
    private var held: [UInt64: Message] = [:]
    private var nextHeldKey: UInt64 = DelayedMessages.heldBit
    static let heldBit: UInt64 = 1 << 63
    /// Delayed messages bound for each queue (SQS `ApproximateNumberOfMessagesDelayed`).
    private(set) var countByQueue: [String: Int] = [:]
    /// Queue-level delays in ms, by queue name (empty unless a queue has one, so publishes pay one check).
    var queueDelays: [String: UInt64] = [:]
    /// Where the broker's timer is asked for the earliest due time.
    var timerSlot: DelayTimerSlot?
    /// Persistent messages for durable targets; nil keeps every delayed message in memory.
    var log: DelayLog?

    var count: Int { self.heap.count }
    var earliestDue: UInt64? { self.heap.first?.due }

    /// Adds a message to the index. `durable`: kept in the delay log (it survives a restart).
    /// Returns false when the log could not store it (the publisher hears a negative confirm).
    func schedule(_ message: Message, due: UInt64, target: DelayTarget, durable: Bool) -> Bool {
        let targetIndex = self.index(of: target)
        let key: UInt64
        if durable, let log = self.log {
            guard let sequence = log.append(message, due: due, target: target) else { return false }
            key = sequence
        } else {
            key = self.nextHeldKey
            self.nextHeldKey += 1
            self.held[key] = message
        }
        self.add(DelayEntry(due: due, key: key, target: targetIndex))
        return true
    }

    /// Entries found in the delay log at start-up.
    func restore(_ recovered: [DelayLog.Recovered]) {
        for entry in recovered {
            self.add(DelayEntry(due: entry.due, key: entry.sequence, target: self.index(of: entry.target)))
        }
    }

    private func add(_ entry: DelayEntry) {
        self.heap.push(entry)
        let target = self.targets[Int(entry.target)]
        if target.kind == .queue { self.countByQueue[target.name, default: 0] += 1 }
        if self.heap.first == entry { self.timerSlot?.request(entry.due) }
    }

    /// Takes the earliest message due at `now`, if any: read back from the log (and settled there)
    /// or taken from memory.
    func takeDue(now: UInt64) -> (message: Message, target: DelayTarget)? {
        while let first = self.heap.first, first.due <= now {
            _ = self.heap.popFirst()
            let target = self.targets[Int(first.target)]
            self.noteLeft(target)
            if first.key & Self.heldBit != 0 {
                if let message = self.held.removeValue(forKey: first.key) { return (message, target) }
            } else if let message = self.log?.take(sequence: first.key) {
                return (message, target)
            }
        }
        return nil
    }

    /// Drops every message bound for `target` (its queue or exchange was deleted or purged).
    /// Returns how many.
    @discardableResult
    func remove(target: DelayTarget) -> Int {
        guard let index = self.targetIndexes[target] else { return 0 }
        let removed = self.heap.removeAll { $0.target == index }
        for entry in removed {
            if entry.key & Self.heldBit != 0 {
                self.held[entry.key] = nil
            } else {
                self.log?.settle(sequence: entry.key)
            }
        }
        if target.kind == .queue { self.countByQueue[target.name] = nil }
        return removed.count
    }

    private func noteLeft(_ target: DelayTarget) {
        guard target.kind == .queue, let count = self.countByQueue[target.name] else { return }
        self.countByQueue[target.name] = count > 1 ? count - 1 : nil
    }

    private func index(of target: DelayTarget) -> UInt32 {
        if let index = self.targetIndexes[target] { return index }
        let index = UInt32(self.targets.count)
        self.targets.append(target)
        self.targetIndexes[target] = index
        return index
    }
}

@available(*, unavailable)
extension DelayedMessages: Sendable {}
