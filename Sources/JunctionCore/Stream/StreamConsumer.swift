/// A stream consumer as the engine sees it (an AMQP channel). Called on the engine loop,
/// synchronously; it may call back into the engine (settle, cancel) from inside `deliver`.
public protocol StreamConsumer: AnyObject {
    /// False while the transport is not writable; the stream then waits for `resume()`.
    var isReadyForDeliveries: Bool { get }
    func deliver(_ delivery: StreamDelivery)
    /// The stream was deleted. The subscription is already cancelled.
    func consumerCancelled(subscription: StreamSubscription)
}
