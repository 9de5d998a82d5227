public import JunctionCore
public import JunctionSTOMPCodec
import JunctionTransport

/// The STOMP listener's limits and defaults, filled from the `stomp` section of `conf/junction.yaml`.
public struct STOMPAdapterConfiguration: Sendable {
    /// Header section and body size limits (`stomp.max_header_bytes`, `stomp.max_headers`, `stomp.max_body_bytes`).
    public var limits: STOMPFrameLimits
    /// Body bytes one transaction may buffer until COMMIT (`limits.max_transaction_bytes`); beyond, ERROR.
    public var maxTransactionBytes: Int
    /// Unflushed output past which a connection takes no more deliveries (`limits.output_low_water_bytes`).
    public var outputLowWaterBytes = ConnectionOutput.defaultDeliveryHighWaterMark
    /// Header section and body bytes a frame may have until CONNECTED (`limits.max_prelogin_frame_bytes`).
    public var maxPreloginFrameBytes = 65536
    /// The server's heart-beat `sx,sy` (`stomp.heartbeat_ms`); the slower of ours and the client's wins.
    public var heartbeatSendEvery: Duration
    public var heartbeatExpectEvery: Duration
    /// Used when CONNECT carries no `login` (RabbitMQ's `stomp.default_user`); nil requires a login.
    public var defaultLogin: String?
    public var defaultPasscode: String?
    /// Time allowed from TCP accept to CONNECTED (`stomp.connect_timeout`).
    public var connectTimeout: Duration
    /// Announced in CONNECTED's `server` header.
    public var productVersion: String

    public init(
        limits: STOMPFrameLimits = STOMPFrameLimits(),
        heartbeatSendEvery: Duration = .seconds(1),
        heartbeatExpectEvery: Duration = .seconds(1),
        defaultLogin: String? = "guest",
        defaultPasscode: String? = "guest",
        connectTimeout: Duration = .seconds(10),
        productVersion: String = JunctionVersion.string,
        maxTransactionBytes: Int = 16 * 1024 * 1024
    ) {
        self.maxTransactionBytes = maxTransactionBytes
        self.limits = limits
        self.heartbeatSendEvery = heartbeatSendEvery
        self.heartbeatExpectEvery = heartbeatExpectEvery
        self.defaultLogin = defaultLogin
        self.defaultPasscode = defaultPasscode
        self.connectTimeout = connectTimeout
        self.productVersion = productVersion
    }
}
