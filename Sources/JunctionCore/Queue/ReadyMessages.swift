import DequeModule

/// The ready messages of a queue, in the order they are delivered.
///
/// A plain queue keeps them in one FIFO (`fifo`), and every operation is the `Deque`'s own behind one
/// branch. A queue declared with `x-max-priority` (RabbitMQ's classic priority queue) keeps one FIFO
/// per priority level 0...max instead, indexed by level: the head is the head of the highest
/// non-empty level, a message goes to the tail of the level of its `priority` (absent = 0, above
/// the maximum = the maximum) and a requeued one to the head of its level, so order is FIFO within
/// a priority, also across requeues. Levels are plain `Deque`s moved in place (no entry is copied).
struct ReadyMessages: Sequence {
    /// Every ready message of a plain queue; unused (empty) for a priority queue. Settable so that
    /// `MessageQueue+Packing` can change entries in place through the deque's accessor.
    var fifo: Deque<QueuedMessage> = []
    /// One FIFO per priority level of a priority queue (index = level); empty for a plain queue.
    private var levels: [Deque<QueuedMessage>] = []
    /// Messages in `levels`.
    private var levelsCount = 0
    /// No level above this one holds a message (it may itself be empty: it is lowered lazily, when
    /// the head is taken).
    private var top = 0

    /// - Parameter maxPriority: the queue's `x-max-priority`; nil or 0 is a plain queue (one level).
    init(maxPriority: Int? = nil) {
        if let maxPriority, maxPriority > 0 {
            self.levels = Array(repeating: [], count: maxPriority + 1)
        }
    }

    var isPrioritized: Bool { !self.levels.isEmpty }
    var count: Int { self.levels.isEmpty ? self.fifo.count : self.levelsCount }
    var isEmpty: Bool { self.count == 0 }

    /// The level a message waits at: its priority, capped by the queue's maximum (RabbitMQ's rule).
    private func level(of priority: UInt8?) -> Int {
        Swift.min(Int(priority ?? 0), self.levels.count - 1)
    }

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

    /// Takes the head: the oldest message of the highest non-empty level.
    mutating func popFirst() -> QueuedMessage? {
        guard !self.levels.isEmpty else { return self.fifo.popFirst() }
        guard self.levelsCount > 0 else { return nil }
        while self.levels[self.top].isEmpty { self.top -= 1 }
        self.levelsCount -= 1
        return self.levels[self.top].popFirst()
    }

    /// The head, without taking it (a copy of the entry).
    var first: QueuedMessage? {
        guard !self.levels.isEmpty else { return self.fifo.first }
        guard self.levelsCount > 0 else { return nil }
        var level = self.top
        while self.levels[level].isEmpty { level -= 1 }
        return self.levels[level].first
    }

    /// Takes the first head, from the highest level down, whose expiry is at or before `now`. A plain
    /// queue looks at its head only; a priority queue at the head of every level, so that an expired
    /// message of a low level does not wait behind live ones of a higher level to be dead-lettered.
    mutating func popExpiredHead(now: UInt64) -> QueuedMessage? {
        guard !self.levels.isEmpty else {
            guard let expiresAt = self.fifo.first?.expiresAt, expiresAt <= now else { return nil }
            return self.fifo.popFirst()
        }
        guard self.levelsCount > 0 else { return nil }
        for level in stride(from: self.top, through: 0, by: -1) {
            if let expiresAt = self.levels[level].first?.expiresAt, expiresAt <= now {
                self.levelsCount -= 1
                return self.levels[level].popFirst()
            }
        }
        return nil
    }

    mutating func removeAll() {
        self.fifo.removeAll()
        for level in self.levels.indices {
            self.levels[level].removeAll()
        }
        self.levelsCount = 0
        self.top = 0
    }

    /// In delivery order: highest level first, FIFO within a level.
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
