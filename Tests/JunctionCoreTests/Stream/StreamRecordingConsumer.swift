import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore

/// Records stream deliveries; acks nothing by itself.
final class StreamRecordingConsumer: StreamConsumer {
    var isReadyForDeliveries = true
    private(set) var deliveries: [StreamDelivery] = []
    private(set) var cancelled = false

    var offsets: [Int64] { self.deliveries.map(\.offset) }
    var bodies: [String] { self.deliveries.map { String(buffer: $0.message.body) } }

    func deliver(_ delivery: StreamDelivery) {
        self.deliveries.append(delivery)
    }

    func consumerCancelled(subscription: StreamSubscription) {
        self.cancelled = true
    }

    /// Acks every delivery received so far, through its subscription.
    func ackAll() {
        let pending = self.deliveries
        self.deliveries.removeAll()
        for delivery in pending {
            delivery.subscription.settle(acked: [delivery.id])
        }
    }
}
