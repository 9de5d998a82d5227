import DequeModule

/// The deduplication ids a queue remembers (`x-message-deduplication`), bounded by entries and
/// optionally by time.
///
/// Ids are kept in insertion order beside the lookup table, so the oldest one is found at once when
/// the cache is full (it is evicted, as the community plugin evicts "unspecified" entries) and, the
/// time to live being one value per cache, expired ids are always at the front. An id removed early
/// (its message was acknowledged) leaves a stale slot in the order; slots carry the insertion number
/// of their id, so a stale one is recognised and skipped, and the order is compacted when stale slots
/// outnumber live ones.
struct DeduplicationCache {
    /// At most this many ids are remembered; the oldest goes first.
    let capacity: Int
    /// Milliseconds an id is remembered after the publish that stored it; nil: until it is removed.
    let timeToLive: UInt64?

    private struct Slot {
        var id: String
        var insertion: UInt64
        var expiresAt: UInt64
    }

    private var live: [String: (insertion: UInt64, expiresAt: UInt64)] = [:]
    private var order: Deque<Slot> = []
    private var nextInsertion: UInt64 = 0

    init(capacity: Int, timeToLive: UInt64?) {
        self.capacity = max(1, capacity)
        self.timeToLive = timeToLive
    }

    var count: Int { self.live.count }

    /// Remembers `id` unless it is already remembered (and not expired at `now`).
    /// - Returns: false when `id` is a duplicate.
    /// `timeToLive` overrides the cache's for this id (the exchange's per-message `x-cache-ttl`); ids
    /// with another time to live may then expire out of order: they count as gone at once, and their
    /// memory is reclaimed when they reach the front or the size pushes them out.
    mutating func insert(_ id: String, now: UInt64, timeToLive: UInt64? = nil) -> Bool {
        self.dropExpired(now: now)
        if let existing = self.live[id], existing.expiresAt > now { return false }
        while self.live.count >= self.capacity, let oldest = self.order.popFirst() {
            if self.live[oldest.id]?.insertion == oldest.insertion {
                self.live[oldest.id] = nil
            }
        }
        let expiresAt = (timeToLive ?? self.timeToLive).map { now &+ $0 } ?? .max
        self.nextInsertion &+= 1
        self.live[id] = (self.nextInsertion, expiresAt)
        self.order.append(Slot(id: id, insertion: self.nextInsertion, expiresAt: expiresAt))
        return true
    }

    /// Whether `id` is remembered at `now`.
    func contains(_ id: String, now: UInt64) -> Bool {
        guard let existing = self.live[id] else { return false }
        return existing.expiresAt > now
    }

    /// Forgets `id` (its message left the queue, in the mode without a time window).
    mutating func remove(_ id: String) {
        guard self.live.removeValue(forKey: id) != nil else { return }
        if self.order.count > 2 * self.live.count + 64 {
            self.order = Deque(self.order.filter { self.live[$0.id]?.insertion == $0.insertion })
        }
    }

    mutating func removeAll() {
        self.live.removeAll()
        self.order.removeAll()
    }

    private mutating func dropExpired(now: UInt64) {
        guard self.timeToLive != nil else { return }
        while let first = self.order.first, first.expiresAt <= now {
            self.order.removeFirst()
            if self.live[first.id]?.insertion == first.insertion {
                self.live[first.id] = nil
            }
        }
    }
}
