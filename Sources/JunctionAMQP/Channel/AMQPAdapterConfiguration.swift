public import JunctionCore
import JunctionTransport

/// The AMQP listener's limits and defaults, filled from the `amqp` section of `conf/junction.yaml`.
public struct AMQPAdapterConfiguration: Sendable {
    /// Largest frame, header included, offered in connection.tune (`frame_max`).
    public var frameMax: UInt32
    /// Highest channel number offered in connection.tune (`channel_max`).
    public var channelMax: UInt16
    /// Heartbeat interval offered in connection.tune, in seconds (`heartbeat`); 0 disables.
    public var heartbeatSeconds: UInt16
    /// Largest message body accepted (`max_message_size`).
    public var maxMessageSize: UInt64
    /// Time allowed from TCP accept to connection.open-ok (`handshake_timeout`).
    public var handshakeTimeout: Duration
    /// Time we wait for connection.close-ok before dropping the socket.
    public var closeTimeout: Duration
    /// Server version announced in connection.start.
    public var productVersion: String
    /// Body bytes one channel's open transaction may hold until tx.commit (`limits.max_transaction_bytes`);
    /// a publish past it closes the channel with 406 PRECONDITION_FAILED and drops the transaction.
    public var maxTransactionBytes: Int
    /// Unflushed output past which a connection takes no more deliveries (`limits.output_low_water_bytes`).
    public var outputLowWaterBytes = ConnectionOutput.defaultDeliveryHighWaterMark
    /// Largest frame accepted until connection.tune-ok, when the tuned frame_max takes over
    /// (`limits.max_prelogin_frame_bytes`): an unauthenticated peer holds at most this much.
    public var maxPreloginFrameBytes = 65536

    public init(
        frameMax: UInt32 = 131_072,
        channelMax: UInt16 = 2047,
        heartbeatSeconds: UInt16 = 60,
        maxMessageSize: UInt64 = 128 * 1024 * 1024,
        handshakeTimeout: Duration = .seconds(10),
        closeTimeout: Duration = .seconds(3),
        productVersion: String = JunctionVersion.string,
        maxTransactionBytes: Int = 16 * 1024 * 1024
    ) {
        self.maxTransactionBytes = maxTransactionBytes
        self.frameMax = frameMax
        self.channelMax = channelMax
        self.heartbeatSeconds = heartbeatSeconds
        self.maxMessageSize = maxMessageSize
        self.handshakeTimeout = handshakeTimeout
        self.closeTimeout = closeTimeout
        self.productVersion = productVersion
    }
}
