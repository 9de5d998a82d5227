/// The exchange types of AMQP 0-9-1, which every protocol's addressing maps onto.
public enum ExchangeType: String, Sendable, CaseIterable {
    case direct
    case fanout
    case topic
    case headers
    /// A partitioned stream's exchange: Kafka's default partitioner picks one of the bound
    /// partitions (binding key = partition index) by the routing key; an empty key goes round robin.
    case partition = "x-partition"
}
