public import JunctionMQTT

/// MQTT listener settings (the `mqtt` section).
public struct MQTTConfiguration: Sendable, Hashable {
    /// Whether a CONNECT without username is accepted (`mqtt.allow_anonymous`).
    public var allowAnonymous: Bool
    /// The configured user an anonymous MQTT client acts as (`mqtt.anonymous_user`).
    public var anonymousUser: String
    /// The topic exchange MQTT topics map onto (`mqtt.exchange`).
    public var exchange: String
    /// The virtual host of every MQTT session (`mqtt.vhost`).
    public var virtualHost: String
    /// Largest packet accepted, in bytes; announced to MQTT 5 clients (`mqtt.max_packet_size`).
    public var maxPacketSize: Int
    /// Topic aliases accepted from an MQTT 5 client (`mqtt.topic_alias_max`; 0 refuses aliases).
    public var topicAliasMax: Int
    /// Upper bound on a session expiry interval in seconds (`mqtt.max_session_expiry_seconds`;
    /// 4294967295 lets sessions live forever).
    public var maxSessionExpirySeconds: UInt32
    /// Seconds from TCP accept to CONNECT before the connection is closed (`mqtt.connect_timeout_seconds`).
    public var connectTimeoutSeconds: Int
    /// Longest keep-alive granted: sent to MQTT 5 clients as Server Keep Alive when they ask for
    /// more or for none; 3.1.1 clients asking for that are refused with CONNACK 2, as Mosquitto's
    /// `max_keepalive` does (`mqtt.max_keep_alive_seconds`; 0: the client's value stands).
    public var maxKeepAliveSeconds: Int
    /// Receive Maximum announced to MQTT 5 clients and enforced (`mqtt.receive_maximum`, 1...65535).
    public var receiveMaximum: Int
    /// On a TLS connection with a verified client certificate, the certificate's common name is the
    /// user name and no password is asked for (`mqtt.use_identity_as_username`, as Mosquitto's option).
    public var useIdentityAsUsername: Bool
    /// Queued messages per session and retained messages in total (`mqtt.max_queued_messages`,
    /// `max_queued_bytes`, `queue_overflow`, `max_retained_messages`, `max_retained_bytes`).
    public var sessionLimits: MQTTSessionLimits

    public init(
        allowAnonymous: Bool = true,
        anonymousUser: String = "guest",
        exchange: String = "amq.topic",
        virtualHost: String = "/",
        maxPacketSize: Int = 16 * 1024 * 1024,
        topicAliasMax: Int = 64,
        maxSessionExpirySeconds: UInt32 = UInt32.max,
        connectTimeoutSeconds: Int = 10,
        maxKeepAliveSeconds: Int = 0,
        receiveMaximum: Int = 1024,
        useIdentityAsUsername: Bool = false,
        sessionLimits: MQTTSessionLimits = MQTTSessionLimits(
            maxQueuedMessages: 100_000, maxQueuedBytes: 268_435_456, queueOverflow: .dropHead,
            maxRetainedMessages: 100_000, maxRetainedBytes: 268_435_456)
    ) {
        self.sessionLimits = sessionLimits
        self.allowAnonymous = allowAnonymous
        self.anonymousUser = anonymousUser
        self.exchange = exchange
        self.virtualHost = virtualHost
        self.maxPacketSize = maxPacketSize
        self.topicAliasMax = topicAliasMax
        self.maxSessionExpirySeconds = maxSessionExpirySeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.maxKeepAliveSeconds = maxKeepAliveSeconds
        self.receiveMaximum = receiveMaximum
        self.useIdentityAsUsername = useIdentityAsUsername
    }
}
