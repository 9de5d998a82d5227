public import JunctionCore
public import JunctionTransport

/// The MQTT listener's settings, filled from the `mqtt` section of the configuration.
public struct MQTTAdapterConfiguration: Sendable {
    /// Exchange that topics map onto (`amq.topic`).
    public var exchange: String
    public var virtualHost: String
    /// The user an anonymous client acts as; nil refuses CONNECT without a user name.
    public var anonymousUser: AuthenticatedUser?
    /// Whether anonymous logins are accepted from loopback peers only (the server always sets it).
    public var anonymousLoopbackOnly: Bool
    /// Largest packet accepted (MQTT 5 Maximum Packet Size announced in CONNACK).
    public var maximumPacketSize: Int
    /// Topic aliases accepted from MQTT 5 clients.
    public var topicAliasMaximum: UInt16
    /// Upper bound on a session expiry interval, in seconds.
    public var maximumSessionExpiry: UInt32
    /// Time allowed from TCP accept to CONNECT.
    public var connectTimeout: Duration
    /// Longest keep-alive, in seconds: MQTT 5 clients asking for more (or none) get it as Server
    /// Keep Alive; MQTT 3.1.1 clients, which cannot be told, are refused (CONNACK 0x02, as
    /// Mosquitto does). Nil: the client's value stands.
    public var keepAliveMaximum: UInt16?
    /// Receive Maximum announced to MQTT 5 clients and enforced on their QoS 1/2 PUBLISHes.
    public var receiveMaximum: UInt16
    /// With a verified TLS client certificate, its common name is the user and the CONNECT's user
    /// name and password are ignored (Mosquitto's `use_identity_as_username`).
    public var useIdentityAsUsername: Bool

    /// Unflushed output past which a connection takes no more deliveries (`limits.output_low_water_bytes`).
    public var outputLowWaterBytes: Int
    /// Largest packet accepted until a CONNECT is accepted (`limits.max_prelogin_frame_bytes`); the
    /// CONNECT, will message included, must fit.
    public var maximumPreloginPacketSize: Int
    /// Queued and retained message limits (`mqtt.max_queued_*`, `mqtt.queue_overflow`, `mqtt.max_retained_*`).
    public var sessionLimits: MQTTSessionLimits

    public init(
        exchange: String = "amq.topic",
        virtualHost: String = "/",
        anonymousUser: AuthenticatedUser? = nil,
        anonymousLoopbackOnly: Bool = true,
        maximumPacketSize: Int = 16 * 1024 * 1024,
        topicAliasMaximum: UInt16 = 64,
        maximumSessionExpiry: UInt32 = UInt32.max,
        connectTimeout: Duration = .seconds(10),
        keepAliveMaximum: UInt16? = nil,
        receiveMaximum: UInt16 = 1024,
        useIdentityAsUsername: Bool = false,
        outputLowWaterBytes: Int = ConnectionOutput.defaultDeliveryHighWaterMark,
        maximumPreloginPacketSize: Int = 65536,
        sessionLimits: MQTTSessionLimits = MQTTSessionLimits()
    ) {
        self.sessionLimits = sessionLimits
        self.maximumPreloginPacketSize = maximumPreloginPacketSize
        self.outputLowWaterBytes = outputLowWaterBytes
        self.exchange = exchange
        self.virtualHost = virtualHost
        self.anonymousUser = anonymousUser
        self.anonymousLoopbackOnly = anonymousLoopbackOnly
        self.maximumPacketSize = maximumPacketSize
        self.topicAliasMaximum = topicAliasMaximum
        self.maximumSessionExpiry = maximumSessionExpiry
        self.connectTimeout = connectTimeout
        self.keepAliveMaximum = keepAliveMaximum
        self.receiveMaximum = receiveMaximum
        self.useIdentityAsUsername = useIdentityAsUsername
    }
}
