/// The HTTP listener's trust boundary and limits (the `http` section).
public struct HTTPConfiguration: Sendable, Hashable {
    /// Host names accepted in the `Host` header (`http.allowed_hosts`); empty: localhost names and
    /// the bind address (and any IP literal when the listener binds every address). `*` accepts any.
    public var allowedHosts: [String]
    /// Origins (`scheme://host[:port]`) allowed to open WebSockets besides the page's own origin
    /// (`http.allowed_origins`); `*` allows every origin.
    public var allowedOrigins: [String]
    /// Whether `/metrics` is served without credentials, for Prometheus (`http.metrics_public`).
    public var metricsPublic: Bool
    /// Bytes of a request line plus headers; more is refused with 431 (`http.max_header_bytes`).
    public var maxHeaderBytes: Int
    /// Seconds a client has to send a complete request head once it starts one, or after connecting;
    /// 408 and close otherwise (`http.header_timeout_seconds`).
    public var headerTimeoutSeconds: Int
    /// Seconds an idle keep-alive connection stays open (`http.idle_timeout_seconds`).
    public var idleTimeoutSeconds: Int
    /// Messages one user may hold leased through long-poll consumes at a time; more is 429
    /// (`http.max_leases_per_user`).
    public var maxLeasesPerUser: Int
    /// Largest `count` of a management `/get`; more is 400 (`http.max_get_count`).
    public var maxGetCount: Int
    /// Longest lease (visibility timeout) a poll may ask for; more is 400 (`http.max_lease_seconds`).
    public var maxLeaseSeconds: Int
    /// Seconds between two samples of the message counters; rates are per second over the last
    /// interval (`http.rates_sample_interval_seconds`).
    public var ratesSampleIntervalSeconds: Int
    /// Broker-wide samples kept for the dashboard's charts (`http.rates_history_samples`).
    public var ratesHistorySamples: Int

    public init(
        allowedHosts: [String] = [],
        allowedOrigins: [String] = [],
        metricsPublic: Bool = true,
        maxHeaderBytes: Int = 16384,
        headerTimeoutSeconds: Int = 10,
        idleTimeoutSeconds: Int = 60,
        maxLeasesPerUser: Int = 10000,
        maxGetCount: Int = 1000,
        maxLeaseSeconds: Int = 43200,
        ratesSampleIntervalSeconds: Int = 5,
        ratesHistorySamples: Int = 60
    ) {
        self.allowedHosts = allowedHosts
        self.allowedOrigins = allowedOrigins
        self.metricsPublic = metricsPublic
        self.maxHeaderBytes = maxHeaderBytes
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxLeasesPerUser = maxLeasesPerUser
        self.maxGetCount = maxGetCount
        self.maxLeaseSeconds = maxLeaseSeconds
        self.ratesSampleIntervalSeconds = ratesSampleIntervalSeconds
        self.ratesHistorySamples = ratesHistorySamples
    }
}

/// Broker-wide limits on what clients may hold or cost (the `limits` section); 0 means no limit
/// where a key says so.
public struct LimitsConfiguration: Sendable, Hashable {
    /// Logged-in connections in total (`limits.max_connections`; 0: no limit).
    public var maxConnections: Int
    /// Logged-in connections of one user (`limits.max_connections_per_user`; 0: no limit).
    public var maxConnectionsPerUser: Int
    /// Logged-in connections into one virtual host (`limits.max_connections_per_vhost`; 0: no limit).
    public var maxConnectionsPerVirtualHost: Int
    /// Consumers on one AMQP channel, subscriptions of one STOMP connection or MQTT session
    /// (`limits.max_consumers_per_channel`; 0: no limit).
    public var maxConsumersPerChannel: Int
    /// Words in a topic binding key or routing key (`limits.max_topic_words`).
    public var maxTopicWords: Int
    /// Delay before a failed login is answered, doubled for each further failure from the same
    /// address (`limits.failed_login_delay_ms`; 0: none).
    public var failedLoginDelayMilliseconds: Int
    /// The longest such delay (`limits.failed_login_max_delay_ms`).
    public var failedLoginMaxDelayMilliseconds: Int
    /// Unflushed output of a connection past which it takes no more deliveries, and at which a full
    /// socket becomes writable again (`limits.output_low_water_bytes`).
    public var outputLowWaterBytes: Int
    /// Bytes pending in a connection's socket past which it is unwritable (`limits.output_high_water_bytes`).
    public var outputHighWaterBytes: Int
    /// Body bytes an AMQP `tx` or a STOMP transaction may hold until commit (`limits.max_transaction_bytes`).
    public var maxTransactionBytes: Int
    /// Largest frame (AMQP), packet (MQTT) or frame header section and body (STOMP) a connection may send before it
    /// has logged in (`limits.max_prelogin_frame_bytes`); the protocol's own limits apply after.
    public var maxPreloginFrameBytes: Int
    /// Ids a deduplicating queue remembers without `x-cache-size`, and the largest `x-cache-size`
    /// (`limits.max_deduplication_cache_entries`).
    public var maxDeduplicationCacheEntries: Int
    /// Socket reads of up to 64 KiB one connection gets each time the event loop serves it
    /// (`limits.reads_per_turn`): a publisher flat out holds the loop for at most this much input
    /// before the other connections are served.
    public var readsPerTurn: Int

    public init(
        maxConnections: Int = 10000,
        maxConnectionsPerUser: Int = 2000,
        maxConnectionsPerVirtualHost: Int = 0,
        maxConsumersPerChannel: Int = 1000,
        maxTopicWords: Int = 256,
        failedLoginDelayMilliseconds: Int = 200,
        failedLoginMaxDelayMilliseconds: Int = 5000,
        outputLowWaterBytes: Int = 262_144,
        outputHighWaterBytes: Int = 1_048_576,
        maxTransactionBytes: Int = 16_777_216,
        maxPreloginFrameBytes: Int = 65536,
        maxDeduplicationCacheEntries: Int = 100_000,
        readsPerTurn: Int = 2
    ) {
        self.readsPerTurn = readsPerTurn
        self.maxPreloginFrameBytes = maxPreloginFrameBytes
        self.maxDeduplicationCacheEntries = maxDeduplicationCacheEntries
        self.maxTransactionBytes = maxTransactionBytes
        self.maxConnections = maxConnections
        self.maxConnectionsPerUser = maxConnectionsPerUser
        self.maxConnectionsPerVirtualHost = maxConnectionsPerVirtualHost
        self.maxConsumersPerChannel = maxConsumersPerChannel
        self.maxTopicWords = maxTopicWords
        self.failedLoginDelayMilliseconds = failedLoginDelayMilliseconds
        self.failedLoginMaxDelayMilliseconds = failedLoginMaxDelayMilliseconds
        self.outputLowWaterBytes = outputLowWaterBytes
        self.outputHighWaterBytes = outputHighWaterBytes
    }
}
