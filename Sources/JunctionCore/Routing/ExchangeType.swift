/// The exchange types of AMQP 0-9-1, which every protocol's addressing maps onto.
public enum ExchangeType: String, Sendable, CaseIterable {
    case direct
    case fanout
    case topic
    case headers
}
