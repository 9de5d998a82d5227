import DequeModule

/// What a queue keeps in memory of a ready message whose body is on disk (paged out, see
/// `MessageQueue+Paging`): where the body is and the broker's annotations, in 32 bytes (the stride;
/// `PagedIndex` adds at most its array's growth slack). Everything else (exchange, routing key,
/// properties, body) is read back with the body when the message nears the head.
public struct PagedMessage: Sendable, Equatable {
    /// Where the body is: the queue store's sequence (`isSpilled` false) or the offset in the
    /// queue's spill log.
    public var offset: UInt64
    /// Absolute expiry in clock milliseconds; `UInt64.max` = never.
    public var expiresAt: UInt64
    /// Body bytes (what `readyBytes` and `x-max-length-bytes` count).
    public var size: UInt32
    /// Deliveries made so far (a quorum queue's count survives a restart).
    public var deliveryCount: UInt32
    /// The message's priority (0 when it has none): the level it waits at in a priority queue.
    public var priority: UInt8
    private var flags: UInt8

    private static let redeliveredFlag: UInt8 = 1
    private static let persistentFlag: UInt8 = 2
    private static let spilledFlag: UInt8 = 4

    public init(
        offset: UInt64, size: UInt32, priority: UInt8, expiresAt: UInt64 = .max, deliveryCount: UInt32 = 0,
        redelivered: Bool = false, persistent: Bool, spilled: Bool
    ) {
        self.offset = offset
        self.expiresAt = expiresAt
        self.size = size
        self.deliveryCount = deliveryCount
        self.priority = priority
        self.flags =
            (redelivered ? Self.redeliveredFlag : 0) | (persistent ? Self.persistentFlag : 0)
            | (spilled ? Self.spilledFlag : 0)
    }

    public var redelivered: Bool { self.flags & Self.redeliveredFlag != 0 }
    public var isPersistent: Bool { self.flags & Self.persistentFlag != 0 }
    /// In the queue's spill log (a transient message, or any message of a non-durable queue);
    /// otherwise in the queue store's log, under sequence `offset`.
    public var isSpilled: Bool { self.flags & Self.spilledFlag != 0 }
    /// The expiry as `QueuedMessage` holds it.
    var expiry: UInt64? { self.expiresAt == .max ? nil : self.expiresAt }
}

/// The paged messages of one priority level (or a recovered queue's index), oldest first: appended
/// at the tail, taken from the head (no prepend is needed: requeued messages go back to memory).
/// Kept in chunks of `chunkCapacity` entries, so a backlog of millions never reallocates and copies
/// its whole index (an array doubling would hold old and new copies at once) and carries at most
/// one partly filled chunk of slack: each entry costs its 32-byte stride.
public struct PagedIndex {
    static let chunkCapacity = 4096
    private var chunks: Deque<[PagedMessage]> = []
    /// Entries of the first chunk already taken.
    private var start = 0
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { self.count == 0 }
    var first: PagedMessage? { self.isEmpty ? nil : self.chunks[0][self.start] }

    /// Bytes the index holds for its entries (capacity included), for the memory figures.
    var allocatedBytes: Int {
        self.chunks.reduce(0) { $0 + $1.capacity } * MemoryLayout<PagedMessage>.stride
    }

    /// The entry `position` places after the head (a walk over the chunks: for positions near the head).
    subscript(position: Int) -> PagedMessage {
        var remaining = position + self.start
        var chunk = 0
        while remaining >= self.chunks[chunk].count {
            remaining -= self.chunks[chunk].count
            chunk += 1
        }
        return self.chunks[chunk][remaining]
    }

    public mutating func append(_ entry: PagedMessage) {
        if let last = self.chunks.indices.last, self.chunks[last].count < Self.chunkCapacity {
            self.chunks[last].append(entry)
        } else {
            var chunk: [PagedMessage] = []
            chunk.reserveCapacity(Self.chunkCapacity)
            chunk.append(entry)
            self.chunks.append(chunk)
        }
        self.count += 1
    }

    @discardableResult
    mutating func popFirst() -> PagedMessage? {
        guard !self.isEmpty else { return nil }
        let entry = self.chunks[0][self.start]
        self.start += 1
        self.count -= 1
        if self.start == self.chunks[0].count {
            self.chunks.removeFirst()
            self.start = 0
        }
        return entry
    }

    /// Removes every entry, handing each to `body` oldest first.
    mutating func removeAll(_ body: (PagedMessage) -> Void) {
        while let entry = self.popFirst() { body(entry) }
        self.chunks = []
    }

    /// Appends every entry of `other` (the order of both kept), leaving it empty.
    mutating func append(contentsOf other: inout PagedIndex) {
        guard !other.isEmpty else { return }
        if self.isEmpty && other.start == 0 {
            swap(&self, &other)
            return
        }
        while let entry = other.popFirst() { self.append(entry) }
    }

    /// Calls `body` with entries from the oldest on, while it returns true.
    func forEachPrefix(_ body: (PagedMessage) -> Bool) {
        for (index, chunk) in self.chunks.enumerated() {
            for position in (index == 0 ? self.start : 0)..<chunk.count where !body(chunk[position]) { return }
        }
    }

    /// Calls `body` with each entry, oldest first.
    func forEach(_ body: (PagedMessage) -> Void) {
        for (index, chunk) in self.chunks.enumerated() {
            for position in (index == 0 ? self.start : 0)..<chunk.count { body(chunk[position]) }
        }
    }

    /// Changes every entry in place.
    mutating func updateAll(_ body: (inout PagedMessage) -> Void) {
        for chunk in self.chunks.indices {
            for position in self.chunks[chunk].indices { body(&self.chunks[chunk][position]) }
        }
    }
}
