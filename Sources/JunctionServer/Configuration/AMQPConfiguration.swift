/// Limits and timers the AMQP 0-9-1 listener offers in `connection.tune`.
public struct AMQPConfiguration: Sendable, Hashable {
    /// Largest frame, header and end octet included (`amqp.frame_max`). At least 4096 (the
    /// protocol's `frame-min-size`).
    public var frameMax: Int
    /// Highest channel number a client may open (`amqp.channel_max`), 1...65535.
    public var channelMax: Int
    /// Heartbeat interval the server proposes (`amqp.heartbeat_seconds`); 0 disables heartbeats.
    public var heartbeat: Duration
    /// Largest message body accepted (`amqp.max_message_size`); a bigger content header closes
    /// the channel before any body is buffered.
    public var maxMessageSize: Int
    /// Time a client has from TCP accept to `connection.open` (`amqp.handshake_timeout_seconds`).
    public var handshakeTimeout: Duration

    public init(
        frameMax: Int = 131_072,
        channelMax: Int = 2047,
        heartbeat: Duration = .seconds(60),
        maxMessageSize: Int = 128 * 1024 * 1024,
        handshakeTimeout: Duration = .seconds(10)
    ) {
        self.frameMax = frameMax
        self.channelMax = channelMax
        self.heartbeat = heartbeat
        self.maxMessageSize = maxMessageSize
        self.handshakeTimeout = handshakeTimeout
    }
}
