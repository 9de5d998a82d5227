import Configuration

/// The configuration's key names, as written in `conf/junction.yaml`, and their environment names.
enum ConfigurationKeys {
    static let bindHost: ConfigKey = "listeners.bind"
    static let amqpPort: ConfigKey = "listeners.amqp_port"
    static let mqttPort: ConfigKey = "listeners.mqtt_port"
    static let stompPort: ConfigKey = "listeners.stomp_port"
    static let httpPort: ConfigKey = "listeners.http_port"
    static let amqpsPort: ConfigKey = "listeners.amqps_port"
    static let mqttsPort: ConfigKey = "listeners.mqtts_port"
    static let stompsPort: ConfigKey = "listeners.stomps_port"
    static let httpsPort: ConfigKey = "listeners.https_port"
    static let sqsPort: ConfigKey = "listeners.sqs_port"
    static let listenBacklog: ConfigKey = "listeners.backlog"
    static let mqttMaxQueuedMessages: ConfigKey = "mqtt.max_queued_messages"
    static let mqttMaxQueuedBytes: ConfigKey = "mqtt.max_queued_bytes"
    static let mqttQueueOverflow: ConfigKey = "mqtt.queue_overflow"
    static let mqttMaxRetainedMessages: ConfigKey = "mqtt.max_retained_messages"
    static let mqttMaxRetainedBytes: ConfigKey = "mqtt.max_retained_bytes"
    static let tlsCertFile: ConfigKey = "tls.cert_file"
    static let tlsKeyFile: ConfigKey = "tls.key_file"
    static let tlsCAFile: ConfigKey = "tls.ca_file"
    static let tlsVerifyPeer: ConfigKey = "tls.verify_peer"
    static let mqttUseIdentityAsUsername: ConfigKey = "mqtt.use_identity_as_username"
    static let dataDirectory: ConfigKey = "data_dir"
    static let frameMax: ConfigKey = "amqp.frame_max"
    static let channelMax: ConfigKey = "amqp.channel_max"
    static let heartbeatSeconds: ConfigKey = "amqp.heartbeat_seconds"
    static let maxMessageSize: ConfigKey = "amqp.max_message_size"
    static let handshakeTimeoutSeconds: ConfigKey = "amqp.handshake_timeout_seconds"
    static let mqttAllowAnonymous: ConfigKey = "mqtt.allow_anonymous"
    static let mqttAnonymousUser: ConfigKey = "mqtt.anonymous_user"
    static let stompMaxHeaderBytes: ConfigKey = "stomp.max_header_bytes"
    static let stompMaxHeaders: ConfigKey = "stomp.max_headers"
    static let stompMaxBodyBytes: ConfigKey = "stomp.max_body_bytes"
    static let stompHeartbeatMilliseconds: ConfigKey = "stomp.heartbeat_ms"
    static let stompConnectTimeoutSeconds: ConfigKey = "stomp.connect_timeout_seconds"
    static let stompAllowAnonymous: ConfigKey = "stomp.allow_anonymous"
    static let stompAnonymousUser: ConfigKey = "stomp.anonymous_user"
    static let mqttExchange: ConfigKey = "mqtt.exchange"
    static let mqttVirtualHost: ConfigKey = "mqtt.vhost"
    static let mqttMaxPacketSize: ConfigKey = "mqtt.max_packet_size"
    static let mqttTopicAliasMax: ConfigKey = "mqtt.topic_alias_max"
    static let mqttMaxSessionExpirySeconds: ConfigKey = "mqtt.max_session_expiry_seconds"
    static let mqttConnectTimeoutSeconds: ConfigKey = "mqtt.connect_timeout_seconds"
    static let mqttMaxKeepAliveSeconds: ConfigKey = "mqtt.max_keep_alive_seconds"
    /// Same setting under the name issue 13 and Mosquitto users (`max_keepalive`) look for; it wins when set.
    static let mqttMaxKeepAlive: ConfigKey = "mqtt.max_keep_alive"
    static let mqttReceiveMaximum: ConfigKey = "mqtt.receive_maximum"
    static let userNames: ConfigKey = "users.names"
    static let defaultVirtualHost: ConfigKey = "default_vhost"
    static let logLevel: ConfigKey = "log_level"
    static let logFormat: ConfigKey = "log_format"
    static let shutdownTimeoutSeconds: ConfigKey = "shutdown_timeout_seconds"
    static let memoryHighWatermark: ConfigKey = "resources.memory_high_watermark"
    static let diskFreeLimit: ConfigKey = "resources.disk_free_limit"
    static let fsync: ConfigKey = "storage.fsync"
    static let fsyncIntervalMilliseconds: ConfigKey = "storage.fsync_interval_ms"
    static let segmentMaxBytes: ConfigKey = "storage.segment_max_bytes"

    static func password(of user: String) -> ConfigKey { ConfigKey(["users", user, "password"]) }
    static func tags(of user: String) -> ConfigKey { ConfigKey(["users", user, "tags"]) }
    static func loopbackOnly(of user: String) -> ConfigKey { ConfigKey(["users", user, "loopback_only"]) }
    /// A logger's own level: `log_levels.<label>` (the label keeps its dots, one key component).
    static func logLevel(of label: String) -> ConfigKey { ConfigKey(["log_levels", label]) }

    /// The environment variable that sets a key: `JUNCTION_` followed by the key path in upper
    /// case with `_` between the parts; keys of the `listeners` section drop the section name.
    /// `listeners.amqp_port` is `JUNCTION_AMQP_PORT`, `amqp.frame_max` is `JUNCTION_AMQP_FRAME_MAX`,
    /// `data_dir` is `JUNCTION_DATA_DIR`.
    static func environmentKey(for key: AbsoluteConfigKey) -> AbsoluteConfigKey {
        var components = key.components
        if components.first == "listeners" {
            components.removeFirst()
        }
        return AbsoluteConfigKey(["junction"] + components, context: key.context)
    }
}
