/// Engine limits and defaults. The server fills it from `conf/junction.yaml`.
public struct BrokerConfiguration: Sendable {
    /// Created by `Broker.init`, with the `amq.*` exchanges.
    public var defaultVirtualHost = "/"
    /// Longer queue names are refused with `.preconditionFailed`.
    public var maxQueueNameLength = 255
    /// Routing keys remembered per topic exchange (cleared when the exchange's bindings change or it fills).
    public var topicRouteCacheCapacity = 1024
    /// Binding keys of topic exchanges and routing keys with more words are refused with
    /// `.preconditionFailed` (`limits.max_topic_words`): bounds what one publish costs to match.
    public var maxTopicWords = 256
    /// Logged-in connections allowed in total, per user and per virtual host (`limits.*`).
    public var connectionLimits = ConnectionLimits()
    /// Consumers one AMQP channel or STOMP/MQTT session may hold (`limits.max_consumers_per_channel`;
    /// 0: no limit).
    public var maxConsumersPerChannel = 0
    /// Delay before a failed login is answered, doubled per further failure from the same address
    /// up to the maximum (`limits.failed_login_delay_ms`, `limits.failed_login_max_delay_ms`); 0: none.
    public var failedLoginDelayMilliseconds = 0
    public var failedLoginMaxDelayMilliseconds = 5000
    /// When persistent messages in durable queues count as safe, so confirms may go out.
    public var durability: DurabilityPolicy = .groupCommit
    /// Deduplication ids a queue with `x-message-deduplication` remembers when it has no `x-cache-size`,
    /// and the largest `x-cache-size` accepted (`limits.max_deduplication_cache_entries`): bounds the
    /// cache's memory (about 100 bytes plus the id per entry).
    public var maxDeduplicationCacheEntries = 100_000
    /// Broker-wide message-rate samples kept for charts (`http.rates_history_samples`).
    public var rateHistorySamples = 60
    /// Roll size of the delay logs' segments (`storage.segment_max_bytes`, as for queue logs).
    public var delayLogSegmentBytes = 64 << 20

    /// Bytes of message bodies one queue keeps in memory before it pages new messages to disk
    /// (`queues.memory_budget_bytes`); 0 turns paging off.
    public var queueMemoryBudgetBytes = 64 << 20
    /// The same over all queues together (`queues.global_memory_budget_bytes`); 0 turns paging off.
    public var globalQueueMemoryBudgetBytes = 512 << 20

    public init() {}
}
