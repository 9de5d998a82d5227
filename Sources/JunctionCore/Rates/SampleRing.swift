/// A fixed number of the newest samples; appending to a full ring overwrites the oldest. Sampling
/// runs on a timer (every few seconds), never per message, so its one array is all it costs.
public struct SampleRing<Element: Sendable>: Sendable {
    /// Most samples kept.
    public let capacity: Int
    private var storage: [Element] = []
    /// Where the next sample goes once the ring is full (the oldest sample's slot).
    private var nextSlot = 0

    public init(capacity: Int) {
        precondition(capacity >= 1, "a ring holds at least one sample")
        self.capacity = capacity
        self.storage.reserveCapacity(capacity)
    }

    public var count: Int { self.storage.count }

    public mutating func append(_ element: Element) {
        if self.storage.count < self.capacity {
            self.storage.append(element)
        } else {
            self.storage[self.nextSlot] = element
            self.nextSlot = (self.nextSlot + 1) % self.capacity
        }
    }

    /// Every sample kept, oldest first.
    public var elements: [Element] {
        guard self.storage.count == self.capacity, self.nextSlot != 0 else { return self.storage }
        return Array(self.storage[self.nextSlot...] + self.storage[..<self.nextSlot])
    }

    /// The newest sample and the one before it, when there are two.
    public var newestPair: (older: Element, newer: Element)? {
        guard self.storage.count >= 2 else { return nil }
        let newest = (self.nextSlot + self.storage.count - 1) % self.storage.count
        let older = (newest + self.storage.count - 1) % self.storage.count
        return (self.storage[older], self.storage[newest])
    }
}
