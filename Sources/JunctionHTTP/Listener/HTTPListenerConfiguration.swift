public import NIOCore

/// Settings of the HTTP listener.
public struct HTTPListenerConfiguration: Sendable {
    /// Request bodies above this are refused with 413 before they are buffered.
    public var maxBodyBytes: Int
    /// Longest `wait` a long-poll consume may ask for, in seconds.
    public var maxPollWaitSeconds: Int
    /// Lease (visibility timeout) when a poll asks for none, in seconds.
    public var defaultLeaseSeconds: Int
    /// Which `Host` headers are served and which origins may open WebSockets (`http.allowed_hosts`,
    /// `http.allowed_origins`).
    public var originPolicy: HTTPOriginPolicy
    /// Whether `/metrics` is served without credentials (`http.metrics_public`).
    public var metricsPublic: Bool
    /// Largest `count` of a `/get` (`http.max_get_count`); more is 400.
    public var maxGetCount: Int
    /// Longest lease a poll may ask for, in seconds (`http.max_lease_seconds`); more is 400.
    public var maxLeaseSeconds: Int
    /// Messages one user may hold leased at a time (`http.max_leases_per_user`); a poll beyond is 429.
    public var maxLeasesPerUser: Int
    /// Bytes of a request line and headers (`http.max_header_bytes`); more is 431.
    public var maxHeaderBytes: Int
    /// Time to finish a request head after connecting or starting one (`http.header_timeout_seconds`); then 408.
    public var headerTimeout: TimeAmount
    /// Time an idle keep-alive connection stays open (`http.idle_timeout_seconds`).
    public var idleTimeout: TimeAmount
    /// Largest WebSocket frame accepted.
    public var maxWebSocketFrameBytes: Int
    /// The memory watermark shown next to RSS in `/metrics` (nil = not reported).
    public var memoryWatermarkBytes: Int?
    /// The data directory: `/metrics` reports the free space of its file system (nil = not reported).
    public var dataDirectory: String?
    /// The server's `disk_free_limit`, shown next to the free space in `/metrics` (nil = not reported).
    public var diskFreeLimitBytes: Int?
    /// SQS access keys, managed under `/api/users/{user}/access-keys` (nil: that route answers 404).
    public var accessKeys: NIOLoopBoundBox<SQSAccessKeyStore>?

    public init(
        maxBodyBytes: Int = 8 * 1024 * 1024,
        maxPollWaitSeconds: Int = 20,
        defaultLeaseSeconds: Int = 30,
        maxWebSocketFrameBytes: Int = 1 << 20,
        memoryWatermarkBytes: Int? = nil,
        dataDirectory: String? = nil,
        diskFreeLimitBytes: Int? = nil,
        originPolicy: HTTPOriginPolicy = .permissive,
        metricsPublic: Bool = true,
        maxGetCount: Int = 1000,
        maxLeaseSeconds: Int = 43200,
        maxLeasesPerUser: Int = 10000,
        maxHeaderBytes: Int = 16384,
        headerTimeout: TimeAmount = .seconds(10),
        idleTimeout: TimeAmount = .seconds(60)
    ) {
        self.maxBodyBytes = maxBodyBytes
        self.maxPollWaitSeconds = maxPollWaitSeconds
        self.defaultLeaseSeconds = defaultLeaseSeconds
        self.originPolicy = originPolicy
        self.metricsPublic = metricsPublic
        self.maxGetCount = maxGetCount
        self.maxLeaseSeconds = maxLeaseSeconds
        self.maxLeasesPerUser = maxLeasesPerUser
        self.maxHeaderBytes = maxHeaderBytes
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maxWebSocketFrameBytes = maxWebSocketFrameBytes
        self.memoryWatermarkBytes = memoryWatermarkBytes
        self.dataDirectory = dataDirectory
        self.diskFreeLimitBytes = diskFreeLimitBytes
    }
}
