/// One scheduled message in the timer index: 24 bytes, so a million cost 24 MB. `key` is the
/// sequence of its record in the delay log, or (high bit set) the key of a message held in memory.
struct DelayEntry: Equatable {
    var due: UInt64
    var key: UInt64
    /// Index into `DelayedMessages.targets`.
    var target: UInt32

    /// Earlier due time first; at the same millisecond, the order of scheduling (keys grow).
    static func precedes(_ lhs: DelayEntry, _ rhs: DelayEntry) -> Bool {
        lhs.due != rhs.due ? lhs.due < rhs.due : lhs.key < rhs.key
    }
}

/// A binary min-heap of `DelayEntry` in one array: O(log n) push and pop, no allocation per entry.
struct DelayHeap {
    private(set) var entries: [DelayEntry] = []

    var count: Int { self.entries.count }
    var isEmpty: Bool { self.entries.isEmpty }
    var first: DelayEntry? { self.entries.first }

    mutating func push(_ entry: DelayEntry) {
        self.entries.append(entry)
        self.siftUp(self.entries.count - 1)
    }

    mutating func popFirst() -> DelayEntry? {
        guard !self.entries.isEmpty else { return nil }
        let first = self.entries[0]
        let last = self.entries.removeLast()
        if !self.entries.isEmpty {
            self.entries[0] = last
            self.siftDown(0)
        }
        return first
    }

    /// Removes every entry `shouldRemove` selects (a queue or exchange deleted): O(n), which is
    /// fine for operations that rare. Returns the removed entries.
    mutating func removeAll(where shouldRemove: (DelayEntry) -> Bool) -> [DelayEntry] {
        var removed: [DelayEntry] = []
        var kept: [DelayEntry] = []
        kept.reserveCapacity(self.entries.count)
        for entry in self.entries {
            if shouldRemove(entry) { removed.append(entry) } else { kept.append(entry) }
        }
        guard !removed.isEmpty else { return [] }
        self.entries = kept
        var index = self.entries.count / 2
        while index > 0 {
            index -= 1
            self.siftDown(index)
        }
        return removed
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        let entry = self.entries[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard DelayEntry.precedes(entry, self.entries[parent]) else { break }
            self.entries[child] = self.entries[parent]
            child = parent
        }
        self.entries[child] = entry
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let count = self.entries.count
        let entry = self.entries[parent]
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count && DelayEntry.precedes(self.entries[child + 1], self.entries[child]) {
                child += 1
            }
            guard DelayEntry.precedes(self.entries[child], entry) else { break }
            self.entries[parent] = self.entries[child]
            parent = child
        }
        self.entries[parent] = entry
    }
}
