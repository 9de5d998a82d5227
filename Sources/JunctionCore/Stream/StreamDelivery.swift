public import JunctionModel

/// One stream message handed to a consumer. Settle it through `subscription`.
public struct StreamDelivery {
    public let subscription: StreamSubscription
    public let id: DeliveryID
    /// Its position in the stream (AMQP: the `x-stream-offset` header). A plain integer, so
    /// protocol adapters need not import the storage module.
    public let offset: Int64
    /// Its partition when the stream is a partition of a partitioned stream (the `x-partition` header).
    public let partition: Int?
    /// This offset was given before to this consumer (a rewind) or to an earlier active member of
    /// its group that did not acknowledge it.
    public let redelivered: Bool
    public var message: Message
}
