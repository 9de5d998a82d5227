/// Cumulative message counters, plain integers bumped on the engine loop and read by the metrics
/// scrape. A queue keeps its own; a virtual host adds those of its deleted queues to its totals.
public struct MessageStatistics: Sendable, Hashable {
    /// Messages a queue accepted (for a virtual host: messages published to it, routed or not).
    public var published = 0
    /// Deliveries to consumers and `get`s, first deliveries and redeliveries alike.
    public var delivered = 0
    /// Deliveries of a message that had been delivered before.
    public var redelivered = 0
    public var acknowledged = 0
    /// Messages the queue dead-lettered (rejected, expired, maxlen), whether or not a dead-letter
    /// exchange then routed them anywhere.
    public var deadLettered = 0
    /// Publishes a deduplicating queue dropped as duplicates (confirmed to their publishers).
    public var deduplicated = 0

    public init() {}

    public static func + (lhs: MessageStatistics, rhs: MessageStatistics) -> MessageStatistics {
        var sum = lhs
        sum.published += rhs.published
        sum.delivered += rhs.delivered
        sum.redelivered += rhs.redelivered
        sum.acknowledged += rhs.acknowledged
        sum.deadLettered += rhs.deadLettered
        sum.deduplicated += rhs.deduplicated
        return sum
    }
}
