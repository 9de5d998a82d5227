/// What a protocol channel settles a delivery with: a classic queue (`MessageQueue`) or a stream
/// consumer (`StreamSubscription`). Channels keep `(source, DeliveryID)` per delivery tag and settle
/// in batches, one call per source.
public protocol DeliverySource: AnyObject {
    func settle(acked ids: [DeliveryID])
    /// Classic queues requeue or dead-letter; a stream consumer rewinds (requeue) or counts the
    /// delivery as processed (see the Core README).
    func settle(rejected ids: [DeliveryID], requeue: Bool)
}

extension MessageQueue: DeliverySource {
    public func settle(acked ids: [DeliveryID]) { self.ack(ids) }
    public func settle(rejected ids: [DeliveryID], requeue: Bool) { self.reject(ids, requeue: requeue) }
}
