import JunctionCore

/// What an outbound QoS 1/2 PUBLISH settles when the client acknowledges it.
enum MQTTDeliveryToken {
    /// A delivery from an engine queue.
    case engine(MessageQueue, DeliveryID)
    /// A retained message sent at subscribe: nothing to settle.
    case retained

    func settle() {
        if case .engine(let queue, let id) = self { queue.ack(CollectionOfOne(id)) }
    }

    func requeue() {
        if case .engine(let queue, let id) = self { queue.reject(CollectionOfOne(id), requeue: true) }
    }
}
