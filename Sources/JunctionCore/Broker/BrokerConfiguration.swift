/// Engine limits and defaults. The server fills it from `conf/junction.yaml`.
public struct BrokerConfiguration: Sendable {
    /// Created by `Broker.init`, with the `amq.*` exchanges.
    public var defaultVirtualHost = "/"
    /// Longer queue names are refused with `.preconditionFailed`.
    public var maxQueueNameLength = 255
    /// Routing keys remembered per topic exchange (cleared when the exchange's bindings change or it fills).
    public var topicRouteCacheCapacity = 1024
    /// When persistent messages in durable queues count as safe, so confirms may go out.
    public var durability: DurabilityPolicy = .groupCommit

    public init() {}
}
