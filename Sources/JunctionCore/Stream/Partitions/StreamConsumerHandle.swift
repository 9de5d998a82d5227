/// What a protocol adapter holds for one stream consumer: a `StreamSubscription` on one stream, or
/// a `PartitionedStreamMember` of a group over the partitions of a partitioned stream. Deliveries
/// always come from (and are settled through) the `StreamSubscription` of one log.
public protocol StreamConsumerHandle: AnyObject {
    /// The consumer tag (AMQP), subscription id (STOMP) or reader tag (HTTP).
    var tag: String { get }
    /// Detaches the consumer; its group's other members take over what it read.
    func cancel()
    /// Call after the consume-ok, and when the consumer became writable again.
    func resume()
}

extension StreamSubscription: StreamConsumerHandle {}
