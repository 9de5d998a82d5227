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

/// The paged messages of one priority level, oldest first: appended at the tail, taken from the
/// head. An array with a moving start (no prepend is needed: requeued messages go back to memory),
/// compacted when the consumed prefix is the larger half, so that a recovered index is adopted
/// without a copy and each entry costs its stride.
struct PagedIndex {
    private var entries: [PagedMessage] = []
    private var start = 0

    init() {}

    /// Takes over `entries` (recovery), oldest first.
    init(adopting entries: [PagedMessage]) {
        self.entries = entries
    }

    var count: Int { self.entries.count - self.start }
    var isEmpty: Bool { self.start == self.entries.count }
    var first: PagedMessage? { self.isEmpty ? nil : self.entries[self.start] }

    /// Bytes the index holds for its entries (capacity included), for the memory figures.
    var allocatedBytes: Int { self.entries.capacity * MemoryLayout<PagedMessage>.stride }

    subscript(position: Int) -> PagedMessage { self.entries[self.start + position] }

    mutating func append(_ entry: PagedMessage) {
        self.entries.append(entry)
    }

    mutating func popFirst() -> PagedMessage? {
        guard !self.isEmpty else { return nil }
        let entry = self.entries[self.start]
        self.start += 1
        if self.start == self.entries.count {
            self.entries.removeAll(keepingCapacity: true)
            self.start = 0
        } else if self.start >= 4096 && self.start * 2 >= self.entries.count {
            self.entries.removeFirst(self.start)
            self.start = 0
        }
        return entry
    }

    /// Removes every entry, handing each to `body` oldest first.
    mutating func removeAll(_ body: (PagedMessage) -> Void) {
        for index in self.start..<self.entries.count { body(self.entries[index]) }
        self.entries = []
        self.start = 0
    }
}
