/// One message handed to a consumer (or returned by `get`).
public struct Delivery {
    public let queue: MessageQueue
    public let id: DeliveryID
    public var message: Message
    /// True when the message was delivered before (requeued, or recovered from the store).
    public var redelivered: Bool
    /// 1 on the first delivery.
    public var deliveryCount: Int

    public init(queue: MessageQueue, id: DeliveryID, message: Message, redelivered: Bool, deliveryCount: Int) {
        self.queue = queue
        self.id = id
        self.message = message
        self.redelivered = redelivered
        self.deliveryCount = deliveryCount
    }
}
