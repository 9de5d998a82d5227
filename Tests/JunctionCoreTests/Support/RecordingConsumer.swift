import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore

/// A `MessageConsumer` that records what the engine calls, and optionally reacts inside `deliver`.
final class RecordingConsumer: MessageConsumer {
    var isReadyForDeliveries = true
    private(set) var deliveries: [Delivery] = []
    private(set) var cancelledTags: [String] = []
    /// Called inside `deliver`, after recording (e.g. to ack synchronously).
    var onDeliver: ((Delivery, Subscription) -> Void)?

    func deliver(_ delivery: Delivery, subscription: Subscription) {
        self.deliveries.append(delivery)
        self.onDeliver?(delivery, subscription)
    }

    func consumerCancelled(subscription: Subscription) {
        self.cancelledTags.append(subscription.tag)
    }

    var bodies: [String] { self.deliveries.map { String(buffer: $0.message.body) } }
    var ids: [DeliveryID] { self.deliveries.map(\.id) }

    func clear() {
        self.deliveries.removeAll()
    }
}
