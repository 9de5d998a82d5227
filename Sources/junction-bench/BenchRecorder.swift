import Histogram

/// Counts what consumers receive: end-to-end latency, and per publisher losses, duplicates and reordering.
///
/// A message is identified by (publisher, sequence) within a delivery group: consumers sharing one queue form one
/// group; each fan-out queue, each topic subscriber and each stream reader is a group of its own, so every group
/// should see each of its publishers' messages exactly once.
struct BenchRecorder {
    private(set) var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000)
    private(set) var uniqueCount = 0
    private(set) var duplicateCount = 0
    /// Deliveries whose sequence is lower than one the same consumer already got from the same publisher.
    private(set) var reorderedCount = 0
    /// [group * publishers + publisher]: one octet per sequence, how often it arrived.
    private var seen: [[UInt8]]
    /// [consumer * publishers + publisher]: the highest sequence that consumer got from that publisher, plus one.
    private var highest: [UInt32]
    private let publishers: Int

    init(publishers: Int, consumers: Int, groups: Int) {
        self.publishers = publishers
        self.seen = Array(repeating: [], count: max(groups, 1) * publishers)
        self.highest = Array(repeating: 0, count: max(consumers, 1) * publishers)
    }

    /// Records one delivery; `published` bounds the sequences that can be real (corrupt stamps are ignored).
    mutating func record(
        _ stamp: BenchStamp, consumer: Int, group: Int, nowNanoseconds: UInt64, publishedBy published: (Int) -> Int
    ) {
        let publisher = Int(stamp.publisher)
        let sequence = Int(stamp.sequence)
        guard publisher < self.publishers, sequence < published(publisher) else { return }
        self.histogram.record((nowNanoseconds &- stamp.sentNanoseconds) / 1000)

        let order = consumer * self.publishers + publisher
        if stamp.sequence < self.highest[order] &- 1, self.highest[order] > 0 {
            self.reorderedCount += 1
        }
        self.highest[order] = max(self.highest[order], stamp.sequence &+ 1)

        let key = group * self.publishers + publisher
        if sequence >= self.seen[key].count {
            self.seen[key].append(contentsOf: repeatElement(0, count: sequence + 1 - self.seen[key].count))
        }
        if self.seen[key][sequence] == 0 {
            self.uniqueCount += 1
        } else {
            self.duplicateCount += 1
        }
        self.seen[key][sequence] &+= 1
    }
}
