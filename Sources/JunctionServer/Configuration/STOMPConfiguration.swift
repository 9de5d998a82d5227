/// STOMP listener settings (the `stomp` section); they also apply to STOMP over WebSocket at `/ws`.
public struct STOMPConfiguration: Sendable, Hashable {
    /// Bytes of a frame's command line plus header lines (`stomp.max_header_bytes`).
    public var maxHeaderBytes: Int
    /// Header lines per frame (`stomp.max_headers`).
    public var maxHeaders: Int
    /// Body bytes per frame (`stomp.max_body_bytes`), checked from `content-length` before the body arrives.
    public var maxBodyBytes: Int
    /// The heart-beat the server offers in both directions, in milliseconds (`stomp.heartbeat_ms`); 0 disables.
    public var heartbeatMilliseconds: Int
    /// Time a client has from TCP accept (or WebSocket upgrade) to CONNECTED (`stomp.connect_timeout_seconds`).
    public var connectTimeout: Duration
    /// Whether a CONNECT without `login` is accepted (`stomp.allow_anonymous`).
    public var allowAnonymous: Bool
    /// The configured user a CONNECT without `login` logs in as (`stomp.anonymous_user`), like
    /// RabbitMQ's `stomp.default_user`. Unlike `mqtt.anonymous_user` it need not exist: a file that
    /// drops `guest` keeps loading, and CONNECT without `login` is then refused.
    public var anonymousUser: String

    public init(
        maxHeaderBytes: Int = 64 * 1024,
        maxHeaders: Int = 256,
        maxBodyBytes: Int = 128 * 1024 * 1024,
        heartbeatMilliseconds: Int = 1000,
        connectTimeout: Duration = .seconds(10),
        allowAnonymous: Bool = true,
        anonymousUser: String = "guest"
    ) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaders = maxHeaders
        self.maxBodyBytes = maxBodyBytes
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.connectTimeout = connectTimeout
        self.allowAnonymous = allowAnonymous
        self.anonymousUser = anonymousUser
    }
}
