public import JunctionModel

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

    /// RabbitMQ's `x-delivery-count` header of a quorum queue: how many times the message came back
    /// before this delivery; nil on a first delivery and on other queue types.
    public var returnCount: Int64? {
        self.queue.isQuorum && self.deliveryCount > 1 ? Int64(self.deliveryCount - 1) : nil
    }

    /// The message's properties with `x-delivery-count` added, when it has one (else nil: the
    /// message goes out unchanged, without a copy).
    public var propertiesWithDeliveryCount: MessageProperties? {
        guard let count = self.returnCount else { return nil }
        var properties = self.message.properties
        var headers = properties.headers ?? FieldTable()
        headers["x-delivery-count"] = .int64(count)
        properties.headers = headers
        return properties
    }
}
