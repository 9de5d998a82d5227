import DequeModule
import JunctionModel

/// The ready messages of a queue, in the order they are delivered.
///
/// A plain queue keeps them in one FIFO (`fifo`), and every operation is the `Deque`'s own behind one
/// branch. A queue declared with `x-max-priority` (RabbitMQ's classic priority queue) keeps one FIFO
/// per priority level 0...max instead, indexed by level: the head is the head of the highest
/// non-empty level, a message goes to the tail of the level of its `priority` (absent = 0, above
/// the maximum = the maximum) and a requeued one to the head of its level, so order is FIFO within
/// a priority, also across requeues. Levels are plain `Deque`s moved in place (no entry is copied).
///
/// Each level is two parts in order: messages in memory, then paged ones (`PagedIndex`, bodies on
/// disk, see `MessageQueue+Paging`). A level with paged messages takes new ones only as paged (so
/// FIFO holds); a requeue goes to the head in memory; the queue loads a window of paged messages
/// (`takePaged`, `appendLoaded`) when a level's memory part is empty and its head is wanted
/// (`levelNeedingLoad`). `popFirst` expects that done.
struct ReadyMessages: Sequence {
    /// The in-memory messages of a plain queue; unused (empty) for a priority queue. Settable so
    /// that `MessageQueue+Packing` can change entries in place through the deque's accessor.
    var fifo: Deque<QueuedMessage> = []
    /// One FIFO per priority level of a priority queue (index = level); empty for a plain queue.
    private var levels: [Deque<QueuedMessage>] = []
    /// Messages in `levels`.
    private var levelsCount = 0
    /// No level above this one holds a message (it may itself be empty: it is lowered lazily, when
    /// the head is taken).
    private var top = 0
    /// The paged messages of each level (one for a plain queue).
    private var paged: [PagedIndex]
    /// Paged messages and their body bytes, over all levels.
    private(set) var pagedCount = 0
    private(set) var pagedBytes = 0

    /// - Parameter maxPriority: the queue's `x-max-priority`; nil or 0 is a plain queue (one level).
    init(maxPriority: Int? = nil) {
        if let maxPriority, maxPriority > 0 {
            self.levels = Array(repeating: [], count: maxPriority + 1)
        }
        self.paged = Array(repeating: PagedIndex(), count: Swift.max(1, self.levels.count))
    }

    var isPrioritized: Bool { !self.levels.isEmpty }
    /// Messages in memory (not paged).
    var inMemoryCount: Int { self.levels.isEmpty ? self.fifo.count : self.levelsCount }
    var count: Int { self.inMemoryCount + self.pagedCount }
    var isEmpty: Bool { self.count == 0 }

    /// The level a message waits at: its priority, capped by the queue's maximum (RabbitMQ's rule).
    func level(of priority: UInt8?) -> Int {
        self.levels.isEmpty ? 0 : Swift.min(Int(priority ?? 0), self.levels.count - 1)
    }

    /// Whether the level has paged messages: a new message of that level must be paged too.
    func hasPaged(level: Int) -> Bool { !self.paged[level].isEmpty }

    mutating func append(_ entry: consuming QueuedMessage) {
        guard !self.levels.isEmpty else {
            self.fifo.append(entry)
            return
        }
        let level = self.level(of: entry.message.properties.priority)
        self.levels[level].append(entry)
        self.levelsCount += 1
        self.top = Swift.max(self.top, level)
    }

    /// Adds a paged message at the tail of its level.
    mutating func appendPaged(_ entry: PagedMessage) {
        let level = self.level(of: entry.priority)
        self.paged[level].append(entry)
        self.pagedCount += 1
        self.pagedBytes += Int(entry.size)
        self.top = Swift.max(self.top, level)
    }

    /// Takes over a whole recovered index (without a copy when it is a plain queue with nothing paged yet).
    mutating func adoptPaged(_ entries: inout PagedIndex) {
        guard self.levels.isEmpty, self.paged[0].isEmpty else {
            while let entry = entries.popFirst() { self.appendPaged(entry) }
            return
        }
        var bytes = 0
        entries.forEach { bytes += Int($0.size) }
        self.pagedCount += entries.count
        self.pagedBytes += bytes
        self.paged[0].append(contentsOf: &entries)
    }

    /// Puts a message back at the head of its level (a requeue).
    mutating func prepend(_ entry: consuming QueuedMessage) {
        guard !self.levels.isEmpty else {
            self.fifo.prepend(entry)
            return
        }
        let level = self.level(of: entry.message.properties.priority)
        self.levels[level].prepend(entry)
        self.levelsCount += 1
        self.top = Swift.max(self.top, level)
    }

    /// The level whose head is the queue's head when that head is paged (its memory part is
    /// empty): the queue must load it before `popFirst`. Nil when the head is in memory or there is none.
    mutating func levelNeedingLoad() -> Int? {
        guard !self.levels.isEmpty else {
            return self.fifo.isEmpty && self.pagedCount > 0 ? 0 : nil
        }
        guard self.count > 0 else { return nil }
        self.lowerTop()
        return self.levels[self.top].isEmpty ? self.top : nil
    }

    private mutating func lowerTop() {
        while self.levels[self.top].isEmpty && self.paged[self.top].isEmpty { self.top -= 1 }
    }

    /// Takes the head: the oldest message of the highest non-empty level. The head must be in
    /// memory (see `levelNeedingLoad`).
    mutating func popFirst() -> QueuedMessage? {
        guard !self.levels.isEmpty else { return self.fifo.popFirst() }
        guard self.levelsCount > 0 else { return nil }
        self.lowerTop()
        return self.popFirst(level: self.top)
    }

    private mutating func popFirst(level: Int) -> QueuedMessage? {
        guard !self.levels.isEmpty else { return self.fifo.popFirst() }
        guard let entry = self.levels[level].popFirst() else { return nil }
        self.levelsCount -= 1
        return entry
    }

    /// Up to `maxCount` paged messages from the head of `level`, within `maxBytes` (at least one),
    /// moved into `window` (cleared first), oldest first.
    mutating func takePaged(level: Int, maxBytes: Int, maxCount: Int, into window: inout [PagedMessage]) {
        window.removeAll(keepingCapacity: true)
        var bytes = 0
        while window.count < maxCount, let head = self.paged[level].first {
            if !window.isEmpty && bytes + Int(head.size) > maxBytes { break }
            _ = self.paged[level].popFirst()
            bytes += Int(head.size)
            window.append(head)
        }
        self.pagedCount -= window.count
        self.pagedBytes -= bytes
    }

    /// The oldest paged message of `level`.
    func firstPaged(level: Int) -> PagedMessage? { self.paged[level].first }

    /// The window of `level`'s paged messages that `takePaged` with these limits would take, in the runs
    /// `loadPaged` reads each in one pass (one source, offsets rising by at most 64), left in place.
    func pagedRuns(
        level: Int, maxBytes: Int, maxCount: Int
    ) -> (runs: [(spilled: Bool, first: UInt64, last: UInt64)], bytes: Int) {
        var runs: [(spilled: Bool, first: UInt64, last: UInt64)] = []
        var bytes = 0
        var count = 0
        self.paged[level].forEachPrefix { entry in
            guard count == 0 || (count < maxCount && bytes + Int(entry.size) <= maxBytes) else { return false }
            if let run = runs.last, run.spilled == entry.isSpilled, entry.offset > run.last,
                entry.offset - run.last <= 64
            {
                runs[runs.count - 1].last = entry.offset
            } else {
                runs.append((entry.isSpilled, entry.offset, entry.offset))
            }
            bytes += Int(entry.size)
            count += 1
            return true
        }
        return (runs, bytes)
    }

    /// A loaded message goes at the tail of its level's memory part (before the level's paged ones).
    mutating func appendLoaded(_ entry: consuming QueuedMessage, level: Int) {
        guard !self.levels.isEmpty else {
            self.fifo.append(entry)
            return
        }
        self.levels[level].append(entry)
        self.levelsCount += 1
    }

    /// Where an expired head is, if any: the first level from the top whose head expires at or
    /// before `now`, and whether that head is paged (the queue loads it first). A plain queue looks
    /// at its head only; a priority queue at the head of every level, so that an expired message of
    /// a low level does not wait behind live ones of a higher level to be dead-lettered.
    func expiredHead(now: UInt64) -> (level: Int, isPaged: Bool)? {
        let last = self.levels.isEmpty ? 0 : self.top
        for level in stride(from: last, through: 0, by: -1) {
            let memory = self.levels.isEmpty ? self.fifo : self.levels[level]
            if !memory.isEmpty {
                if let expiresAt = memory.first?.expiresAt, expiresAt <= now { return (level, false) }
            } else if let head = self.paged[level].first, head.expiresAt <= now {
                return (level, true)
            }
        }
        return nil
    }

    /// Takes the in-memory head of `level` (after `expiredHead` named it).
    mutating func popExpired(level: Int) -> QueuedMessage? {
        self.popFirst(level: level)
    }

    /// Removes every message; the paged ones are handed to `body` (to settle their stored copies).
    mutating func removeAll(paged body: (PagedMessage) -> Void = { _ in }) {
        self.fifo.removeAll()
        for level in self.levels.indices {
            self.levels[level].removeAll()
        }
        for level in self.paged.indices {
            self.paged[level].removeAll(body)
        }
        self.levelsCount = 0
        self.pagedCount = 0
        self.pagedBytes = 0
        self.top = 0
    }

    /// The first spill-log offset still referenced by a paged message, looking at most `scanLimit`
    /// entries into each level: `.some(nil)` when none is, nil when the scan could not tell.
    func firstSpilledOffset(scanLimit: Int) -> UInt64?? {
        var lowest: UInt64?
        for index in self.paged {
            var found = false
            for position in 0..<Swift.min(index.count, scanLimit) where index[position].isSpilled {
                lowest = Swift.min(lowest ?? .max, index[position].offset)
                found = true
                break
            }
            if !found && index.count > scanLimit { return nil }
        }
        return .some(lowest)
    }

    /// Bytes the paged indexes hold in memory (capacity included).
    var pagedIndexBytes: Int { self.paged.reduce(0) { $0 + $1.allocatedBytes } }

    /// The messages in memory, in delivery order: highest level first, FIFO within a level.
    func makeIterator() -> Iterator {
        Iterator(fifo: self.fifo.makeIterator(), levels: self.levels)
    }

    struct Iterator: IteratorProtocol {
        var fifo: Deque<QueuedMessage>.Iterator
        let levels: [Deque<QueuedMessage>]
        var level: Int
        var current: Deque<QueuedMessage>.Iterator?

        init(fifo: Deque<QueuedMessage>.Iterator, levels: [Deque<QueuedMessage>]) {
            self.fifo = fifo
            self.levels = levels
            self.level = levels.count
        }

        mutating func next() -> QueuedMessage? {
            guard !self.levels.isEmpty else { return self.fifo.next() }
            while true {
                if let entry = self.current?.next() { return entry }
                guard self.level > 0 else { return nil }
                self.level -= 1
                self.current = self.levels[self.level].makeIterator()
            }
        }
    }
}
