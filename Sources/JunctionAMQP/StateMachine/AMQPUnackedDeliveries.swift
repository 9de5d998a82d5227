import DequeModule

/// The deliveries of one channel still waiting for ack, in delivery-tag order. Tags are assigned
/// in increasing order, so a deque with settled holes popped from the front gives O(1) append,
/// O(1) cumulative ack from the front, and O(log n) single acks.
struct AMQPUnackedDeliveries<Entry> {
    private var tags: Deque<UInt64> = []
    private var entries: Deque<Entry?> = []
    private(set) var count = 0
    private(set) var lastTag: UInt64 = 0

    /// Assigns the next delivery tag. `track` false is for no-ack deliveries, which use a tag but are never settled.
    mutating func nextTag(for entry: Entry, track: Bool) -> UInt64 {
        self.lastTag += 1
        if track {
            self.tags.append(self.lastTag)
            self.entries.append(entry)
            self.count += 1
        }
        return self.lastTag
    }

    /// The next delivery tag for a delivery that is never settled (a direct reply).
    mutating func nextUntrackedTag() -> UInt64 {
        self.lastTag += 1
        return self.lastTag
    }

    /// Removes and returns the entries settled by an ack/nack/reject of `tag`.
    /// `multiple` settles every tag up to and including it; tag 0 with multiple settles everything.
    /// Returns nil for an unknown tag (spec: PRECONDITION_FAILED "unknown delivery tag").
    mutating func settle(tag: UInt64, multiple: Bool) -> [Entry]? {
        if multiple {
            let limit = tag == 0 ? UInt64.max : tag
            guard tag == 0 || tag <= self.lastTag else { return nil }
            var settled: [Entry] = []
            while let first = self.tags.first, first <= limit {
                self.tags.removeFirst()
                if let entry = self.entries.removeFirst() {
                    settled.append(entry)
                    self.count -= 1
                }
            }
            // An ack multiple of a tag that was already settled is not an error if something came before it.
            if settled.isEmpty && tag != 0 { return nil }
            return settled
        }
        guard let index = self.index(of: tag), let entry = self.entries[index] else { return nil }
        self.entries[index] = nil
        self.count -= 1
        self.compact()
        return [entry]
    }

    /// Whether settling `tag` would settle anything (used to check tags inside a transaction).
    func contains(tag: UInt64, multiple: Bool) -> Bool {
        if multiple {
            if tag == 0 { return true }
            return tag <= self.lastTag && self.entries.first.map { _ in self.tags.first! <= tag } == true
        }
        guard let index = self.index(of: tag) else { return false }
        return self.entries[index] != nil
    }

    /// Removes every unsettled entry (channel close, basic.recover).
    mutating func removeAll() -> [Entry] {
        let all = self.entries.compactMap { $0 }
        self.tags.removeAll()
        self.entries.removeAll()
        self.count = 0
        return all
    }

    /// Removes the unsettled entries that match (e.g. those of a queue that was deleted).
    mutating func removeAll(where predicate: (Entry) -> Bool) {
        for index in self.entries.indices {
            if let entry = self.entries[index], predicate(entry) {
                self.entries[index] = nil
                self.count -= 1
            }
        }
        self.compact()
    }

    private func index(of tag: UInt64) -> Int? {
        var low = 0
        var high = self.tags.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let value = self.tags[mid]
            if value == tag { return mid }
            if value < tag { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    private mutating func compact() {
        while let first = self.entries.first, first == nil {
            self.entries.removeFirst()
            self.tags.removeFirst()
        }
    }
}
