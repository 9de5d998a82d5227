/// One stream message handed to a consumer. Settle it through `subscription`.
public struct StreamDelivery {
    public let subscription: StreamSubscription
    public let id: DeliveryID
    /// Its position in the stream (AMQP: the `x-stream-offset` header). A plain integer, so
    /// protocol adapters need not import the storage module.
    public let offset: Int64
    public var message: Message
}
