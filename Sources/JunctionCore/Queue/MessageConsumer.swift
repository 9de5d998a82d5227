/// A consumer as the engine sees it: a protocol channel or session. Called on the engine loop,
/// synchronously from inside engine calls (publish, ack, resume...); it may call back into the engine.
public protocol MessageConsumer: AnyObject {
    /// False while the consumer's transport is not writable (back-pressure); the queue then holds
    /// deliveries until `Subscription.resume()` is called.
    var isReadyForDeliveries: Bool { get }
    func deliver(_ delivery: Delivery, subscription: Subscription)
    /// The queue was deleted (AMQP basic.cancel from the server). The subscription is already cancelled.
    func consumerCancelled(subscription: Subscription)
}
