/// The exchange types of AMQP 0-9-1, which every protocol's addressing maps onto.
public enum ExchangeType: String, Sendable, CaseIterable {
    case direct
    case fanout
    case topic
    case headers
    /// A partitioned stream's exchange: Kafka's default partitioner picks one of the bound
    /// partitions (binding key = partition index) by the routing key; an empty key goes round robin.
    case partition = "x-partition"
    /// RabbitMQ's delayed-message plugin: routes like its `x-delayed-type` (direct, fanout, topic or
    /// headers) once the message's `x-delay` (ms) has passed (`Delay/`).
    case delayedMessage = "x-delayed-message"
    /// The community deduplication plugin's exchange: routes like `fanout`, except a message whose
    /// `x-deduplication-header` it has seen within its cache (`Exchange+Deduplication`).
    case messageDeduplication = "x-message-deduplication"

    /// The types an `x-delayed-message` exchange may route like (`x-delayed-type`).
    static let delayable: [ExchangeType] = [.direct, .fanout, .topic, .headers]
}
