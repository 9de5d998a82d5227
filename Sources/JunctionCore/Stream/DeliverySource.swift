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

/// A delivery a client holds until it settles it: where it came from and its id. Every protocol's
/// session keeps these per delivery tag (AMQP), ack id (STOMP) or packet id, and settles them through
/// the one grouping below.
public struct HeldDelivery {
    public var source: any DeliverySource
    public var id: DeliveryID

    public init(source: any DeliverySource, id: DeliveryID) {
        self.source = source
        self.id = id
    }
}

extension Array where Element == HeldDelivery {
    /// Acknowledges every delivery: one engine call per source for the batch.
    public func acknowledge() {
        self.grouped { source, ids in source.settle(acked: ids) }
    }

    /// Rejects every delivery (requeued, or dead-lettered / dropped): one engine call per source.
    public func reject(requeue: Bool) {
        self.grouped { source, ids in source.settle(rejected: ids, requeue: requeue) }
    }

    /// Calls `body` once per source, in the order the sources first appear, with that source's ids in
    /// their order. The common batch has one source and costs one pass.
    private func grouped(_ body: (any DeliverySource, [DeliveryID]) -> Void) {
        guard let first = self.first else { return }
        if self.allSatisfy({ $0.source === first.source }) {
            body(first.source, self.map(\.id))
            return
        }
        var order: [ObjectIdentifier] = []
        var groups: [ObjectIdentifier: (source: any DeliverySource, ids: [DeliveryID])] = [:]
        for delivery in self {
            let key = ObjectIdentifier(delivery.source)
            if groups[key] == nil {
                order.append(key)
                groups[key] = (delivery.source, [])
            }
            groups[key]!.ids.append(delivery.id)
        }
        for key in order {
            let group = groups[key]!
            body(group.source, group.ids)
        }
    }
}
