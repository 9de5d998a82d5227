public import Configuration
import JunctionMQTT
import Logging

extension JunctionConfiguration {
    /// Loads the configuration from, lowest precedence first: the compiled-in defaults, the YAML
    /// file at `configFile` (if given), `JUNCTION_*` variables in `environment`, and `overrides`
    /// (command-line flags). The result is validated.
    public static func load(
        configFile: String?,
        environment: [String: String],
        overrides: ConfigurationOverrides = ConfigurationOverrides()
    ) async throws -> JunctionConfiguration {
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "command line", values: overrides.configValues),
            KeyMappingProvider(
                upstream: EnvironmentVariablesProvider(environmentVariables: environment),
                keyMapper: ConfigurationKeys.environmentKey(for:)
            ),
            // The whole key path works too (`JUNCTION_LISTENERS_SQS_PORT` for `listeners.sqs_port`), below the
            // short listener names above.
            KeyMappingProvider(
                upstream: EnvironmentVariablesProvider(environmentVariables: environment),
                keyMapper: { AbsoluteConfigKey(["junction"] + $0.components, context: $0.context) }
            ),
        ]
        if let configFile {
            providers.append(try await Self.yamlProvider(path: configFile))
        }
        providers.append(InMemoryProvider(name: "defaults", values: JunctionConfiguration().configValues))
        return try JunctionConfiguration(reading: ConfigReader(providers: providers))
    }

    /// A provider reading the YAML file at `path`; it fails when the file is missing.
    public static func yamlProvider(path: String) async throws -> FileProvider<YAMLSnapshot> {
        // `FileProvider` takes a `FilePath`; going through a reader keeps SystemPackage out of our imports.
        let location = ConfigReader(
            provider: InMemoryProvider(values: ["filePath": ConfigValue(.string(path), isSecret: false)])
        )
        do {
            return try await FileProvider<YAMLSnapshot>(config: location)
        } catch {
            throw ConfigurationError("cannot read configuration file \(path): \(error)")
        }
    }

    /// Reads every key from `reader` (each must be present in some provider) and validates the result.
    public init(reading reader: ConfigReader) throws {
        func required<Value>(_ key: ConfigKey, _ read: (ConfigKey) throws -> Value) throws -> Value {
            do {
                return try read(key)
            } catch {
                throw ConfigurationError("configuration key \(key): \(error)")
            }
        }
        let listeners = ListenersConfiguration(
            bindHost: try required(ConfigurationKeys.bindHost) { try reader.requiredString(forKey: $0) },
            amqpPort: try required(ConfigurationKeys.amqpPort) { try reader.requiredInt(forKey: $0) },
            mqttPort: try required(ConfigurationKeys.mqttPort) { try reader.requiredInt(forKey: $0) },
            stompPort: try required(ConfigurationKeys.stompPort) { try reader.requiredInt(forKey: $0) },
            httpPort: try required(ConfigurationKeys.httpPort) { try reader.requiredInt(forKey: $0) },
            amqpsPort: try required(ConfigurationKeys.amqpsPort) { try reader.requiredInt(forKey: $0) },
            mqttsPort: try required(ConfigurationKeys.mqttsPort) { try reader.requiredInt(forKey: $0) },
            stompsPort: try required(ConfigurationKeys.stompsPort) { try reader.requiredInt(forKey: $0) },
            httpsPort: try required(ConfigurationKeys.httpsPort) { try reader.requiredInt(forKey: $0) },
            sqsPort: try required(ConfigurationKeys.sqsPort) { try reader.requiredInt(forKey: $0) },
            backlog: try required(ConfigurationKeys.listenBacklog) { try reader.requiredInt(forKey: $0) }
        )
        let amqp = AMQPConfiguration(
            frameMax: try required(ConfigurationKeys.frameMax) { try reader.requiredInt(forKey: $0) },
            channelMax: try required(ConfigurationKeys.channelMax) { try reader.requiredInt(forKey: $0) },
            heartbeat: .seconds(
                try required(ConfigurationKeys.heartbeatSeconds) { try reader.requiredInt(forKey: $0) }
            ),
            maxMessageSize: try required(ConfigurationKeys.maxMessageSize) { try reader.requiredInt(forKey: $0) },
            handshakeTimeout: .seconds(
                try required(ConfigurationKeys.handshakeTimeoutSeconds) { try reader.requiredInt(forKey: $0) }
            )
        )
        let mqtt = MQTTConfiguration(
            allowAnonymous: try required(ConfigurationKeys.mqttAllowAnonymous) { try reader.requiredBool(forKey: $0) },
            anonymousUser: try required(ConfigurationKeys.mqttAnonymousUser) { try reader.requiredString(forKey: $0) },
            exchange: try required(ConfigurationKeys.mqttExchange) { try reader.requiredString(forKey: $0) },
            virtualHost: try required(ConfigurationKeys.mqttVirtualHost) { try reader.requiredString(forKey: $0) },
            maxPacketSize: try required(ConfigurationKeys.mqttMaxPacketSize) { try reader.requiredInt(forKey: $0) },
            topicAliasMax: try required(ConfigurationKeys.mqttTopicAliasMax) { try reader.requiredInt(forKey: $0) },
            maxSessionExpirySeconds: try required(ConfigurationKeys.mqttMaxSessionExpirySeconds) { key in
                let seconds = try reader.requiredInt(forKey: key)
                guard let value = UInt32(exactly: seconds) else {
                    throw ConfigurationError("\(seconds) is outside 0...\(UInt32.max)")
                }
                return value
            },
            connectTimeoutSeconds: try required(ConfigurationKeys.mqttConnectTimeoutSeconds) {
                try reader.requiredInt(forKey: $0)
            },
            maxKeepAliveSeconds: try required(ConfigurationKeys.mqttMaxKeepAlive) { alias in
                // `mqtt.max_keep_alive` has no default of its own: when no layer sets it, the
                // `_seconds` key (which has one) decides; when set, a non-integer value is an error.
                guard reader.int(forKey: alias) != nil || reader.string(forKey: alias) != nil else {
                    return try reader.requiredInt(forKey: ConfigurationKeys.mqttMaxKeepAliveSeconds)
                }
                return try reader.requiredInt(forKey: alias)
            },
            receiveMaximum: try required(ConfigurationKeys.mqttReceiveMaximum) { try reader.requiredInt(forKey: $0) },
            useIdentityAsUsername: try required(ConfigurationKeys.mqttUseIdentityAsUsername) {
                try reader.requiredBool(forKey: $0)
            },
            sessionLimits: MQTTSessionLimits(
                maxQueuedMessages: try required(ConfigurationKeys.mqttMaxQueuedMessages) {
                    try reader.requiredInt(forKey: $0)
                },
                maxQueuedBytes: try required(ConfigurationKeys.mqttMaxQueuedBytes) {
                    try reader.requiredInt(forKey: $0)
                },
                queueOverflow: try required(ConfigurationKeys.mqttQueueOverflow) { key in
                    let text = try reader.requiredString(forKey: key)
                    guard let overflow = MQTTSessionLimits.QueueOverflow(rawValue: text) else {
                        throw ConfigurationError("\(text) is not drop-head or reject-publish")
                    }
                    return overflow
                },
                maxRetainedMessages: try required(ConfigurationKeys.mqttMaxRetainedMessages) {
                    try reader.requiredInt(forKey: $0)
                },
                maxRetainedBytes: try required(ConfigurationKeys.mqttMaxRetainedBytes) {
                    try reader.requiredInt(forKey: $0)
                }
            )
        )
        let stomp = STOMPConfiguration(
            maxHeaderBytes: try required(ConfigurationKeys.stompMaxHeaderBytes) { try reader.requiredInt(forKey: $0) },
            maxHeaders: try required(ConfigurationKeys.stompMaxHeaders) { try reader.requiredInt(forKey: $0) },
            maxBodyBytes: try required(ConfigurationKeys.stompMaxBodyBytes) { try reader.requiredInt(forKey: $0) },
            heartbeatMilliseconds: try required(ConfigurationKeys.stompHeartbeatMilliseconds) {
                try reader.requiredInt(forKey: $0)
            },
            connectTimeout: .seconds(
                try required(ConfigurationKeys.stompConnectTimeoutSeconds) { try reader.requiredInt(forKey: $0) }
            ),
            allowAnonymous: try required(ConfigurationKeys.stompAllowAnonymous) { try reader.requiredBool(forKey: $0) },
            anonymousUser: try required(ConfigurationKeys.stompAnonymousUser) { try reader.requiredString(forKey: $0) }
        )
        let names = try required(ConfigurationKeys.userNames) { try reader.requiredStringArray(forKey: $0) }
        var users: [UserConfiguration] = []
        for name in names {
            guard !name.isEmpty, !name.contains("."), name != "names" else {
                throw ConfigurationError(
                    "users.names: invalid user name \"\(name)\" (empty, contains '.', or \"names\")")
            }
            guard !users.contains(where: { $0.name == name }) else {
                throw ConfigurationError("users.names: user \"\(name)\" is listed twice")
            }
            users.append(
                UserConfiguration(
                    name: name,
                    password: try required(ConfigurationKeys.password(of: name)) {
                        try reader.requiredString(forKey: $0, isSecret: true)
                    },
                    tags: Set(reader.stringArray(forKey: ConfigurationKeys.tags(of: name), default: [])),
                    loopbackOnly: reader.bool(forKey: ConfigurationKeys.loopbackOnly(of: name), default: false)
                )
            )
        }
        let levelName = try required(ConfigurationKeys.logLevel) { try reader.requiredString(forKey: $0) }
        guard let logLevel = Logger.Level(rawValue: levelName.lowercased()) else {
            let valid = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError("log_level: \"\(levelName)\" is not one of \(valid)")
        }
        let logLevels = try Self.logLevels(reading: reader)
        let formatName = try required(ConfigurationKeys.logFormat) { try reader.requiredString(forKey: $0) }
        guard let logFormat = LogFormat(rawValue: formatName.lowercased()) else {
            let valid = LogFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError("log_format: \"\(formatName)\" is not one of \(valid)")
        }
        let resources = ResourcesConfiguration(
            memoryHighWatermark: try required(ConfigurationKeys.memoryHighWatermark) {
                try reader.requiredDouble(forKey: $0)
            },
            diskFreeLimit: try required(ConfigurationKeys.diskFreeLimit) { try reader.requiredInt(forKey: $0) }
        )
        let fsyncName = try required(ConfigurationKeys.fsync) { try reader.requiredString(forKey: $0) }
        guard let fsync = StorageConfiguration.FsyncPolicy(rawValue: fsyncName) else {
            let valid = StorageConfiguration.FsyncPolicy.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError("storage.fsync: \"\(fsyncName)\" is not one of \(valid)")
        }
        let storage = StorageConfiguration(
            fsync: fsync,
            fsyncIntervalMilliseconds: try required(ConfigurationKeys.fsyncIntervalMilliseconds) {
                try reader.requiredInt(forKey: $0)
            },
            segmentMaxBytes: try required(ConfigurationKeys.segmentMaxBytes) { try reader.requiredInt(forKey: $0) }
        )
        self.init(
            listeners: listeners,
            dataDirectory: try required(ConfigurationKeys.dataDirectory) { try reader.requiredString(forKey: $0) },
            amqp: amqp,
            mqtt: mqtt,
            stomp: stomp,
            tls: try TLSSettings(reading: reader),
            users: users,
            resources: resources,
            storage: storage,
            defaultVirtualHost: try required(ConfigurationKeys.defaultVirtualHost) {
                try reader.requiredString(forKey: $0)
            },
            logLevel: logLevel,
            logLevels: logLevels,
            logFormat: logFormat,
            http: try HTTPConfiguration(reading: reader),
            limits: try LimitsConfiguration(reading: reader)
        )
        self.sqs = try SQSConfiguration(reading: reader)
        self.queues = try QueuesConfiguration(reading: reader)
        self.shutdownTimeoutSeconds = try required(ConfigurationKeys.shutdownTimeoutSeconds) {
            try reader.requiredInt(forKey: $0)
        }
        try self.validate()
    }

    /// The `log_levels` entries, one optional key per logger label (`log_levels.junction.amqp`,
    /// `JUNCTION_LOG_LEVELS_JUNCTION_AMQP`).
    private static func logLevels(reading reader: ConfigReader) throws -> [String: Logger.Level] {
        var levels: [String: Logger.Level] = [:]
        for label in JunctionLogging.loggerLabels {
            let key = ConfigurationKeys.logLevel(of: label)
            guard let name = reader.string(forKey: key) else { continue }
            guard let level = Logger.Level(rawValue: name.lowercased()) else {
                let valid = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigurationError("log_levels.\(label): \"\(name)\" is not one of \(valid)")
            }
            levels[label] = level
        }
        return levels
    }

    /// Checks ranges and cross-references; the message names the offending key.
    public func validate() throws {
        let ports = [
            ("listeners.amqp_port", self.listeners.amqpPort),
            ("listeners.mqtt_port", self.listeners.mqttPort),
            ("listeners.stomp_port", self.listeners.stompPort),
            ("listeners.http_port", self.listeners.httpPort),
            ("listeners.amqps_port", self.listeners.amqpsPort),
            ("listeners.mqtts_port", self.listeners.mqttsPort),
            ("listeners.stomps_port", self.listeners.stompsPort),
            ("listeners.https_port", self.listeners.httpsPort),
            ("listeners.sqs_port", self.listeners.sqsPort),
        ]
        for (key, port) in ports where !(0...65535).contains(port) {
            throw ConfigurationError("\(key): \(port) is not a port number (0...65535, 0 disables)")
        }
        try Self.require(!self.listeners.bindHost.isEmpty, "listeners.bind: must not be empty")
        try Self.require(!self.dataDirectory.isEmpty, "data_dir: must not be empty")
        try Self.require(!self.defaultVirtualHost.isEmpty, "default_vhost: must not be empty")
        try Self.require(
            (1...3600).contains(self.shutdownTimeoutSeconds),
            "shutdown_timeout_seconds: \(self.shutdownTimeoutSeconds) is outside 1...3600")
        try Self.require(
            self.resources.memoryHighWatermark > 0,
            "resources.memory_high_watermark: \(self.resources.memoryHighWatermark) must be above 0"
        )
        try Self.require(self.resources.diskFreeLimit >= 0, "resources.disk_free_limit: must not be negative")
        try Self.require(
            (1...10_000).contains(self.storage.fsyncIntervalMilliseconds),
            "storage.fsync_interval_ms: \(self.storage.fsyncIntervalMilliseconds) is outside 1...10000"
        )
        try Self.require(
            self.storage.segmentMaxBytes >= 4096,
            "storage.segment_max_bytes: \(self.storage.segmentMaxBytes) is below 4096"
        )
        try Self.require(
            (4096...Int(Int32.max)).contains(self.amqp.frameMax),
            "amqp.frame_max: \(self.amqp.frameMax) is outside 4096...\(Int32.max)"
        )
        try Self.require(
            (1...65535).contains(self.amqp.channelMax),
            "amqp.channel_max: \(self.amqp.channelMax) is outside 1...65535"
        )
        try Self.require(
            self.amqp.heartbeat >= .zero && self.amqp.heartbeat <= .seconds(65535),
            "amqp.heartbeat_seconds: \(self.amqp.heartbeat) is outside 0...65535"
        )
        try Self.require(
            (1...Int(Int32.max)).contains(self.amqp.maxMessageSize),
            "amqp.max_message_size: \(self.amqp.maxMessageSize) is outside 1...\(Int32.max)"
        )
        try Self.require(
            self.amqp.handshakeTimeout > .zero,
            "amqp.handshake_timeout_seconds: must be positive"
        )
        try Self.require(!self.mqtt.exchange.isEmpty, "mqtt.exchange: must not be empty")
        try Self.require(
            (1...65535).contains(self.listeners.backlog),
            "listeners.backlog: \(self.listeners.backlog) is outside 1...65535")
        for (key, value) in [
            ("mqtt.max_queued_messages", self.mqtt.sessionLimits.maxQueuedMessages),
            ("mqtt.max_queued_bytes", self.mqtt.sessionLimits.maxQueuedBytes),
            ("mqtt.max_retained_messages", self.mqtt.sessionLimits.maxRetainedMessages),
            ("mqtt.max_retained_bytes", self.mqtt.sessionLimits.maxRetainedBytes),
        ] {
            try Self.require(value >= 0, "\(key): \(value) must not be negative (0: no limit)")
        }
        try Self.require(!self.mqtt.virtualHost.isEmpty, "mqtt.vhost: must not be empty")
        // The MQTT remaining length tops out at 268,435,455 bytes (four varint bytes) plus the header.
        try Self.require(
            (64...268_435_460).contains(self.mqtt.maxPacketSize),
            "mqtt.max_packet_size: \(self.mqtt.maxPacketSize) is outside 64...268435460"
        )
        try Self.require(
            (0...65535).contains(self.mqtt.topicAliasMax),
            "mqtt.topic_alias_max: \(self.mqtt.topicAliasMax) is outside 0...65535"
        )
        try Self.require(
            self.mqtt.connectTimeoutSeconds > 0,
            "mqtt.connect_timeout_seconds: must be positive"
        )
        try Self.require(
            (0...65535).contains(self.mqtt.maxKeepAliveSeconds),
            "mqtt.max_keep_alive_seconds: \(self.mqtt.maxKeepAliveSeconds) is outside 0...65535"
        )
        try Self.require(
            (1...65535).contains(self.mqtt.receiveMaximum),
            "mqtt.receive_maximum: \(self.mqtt.receiveMaximum) is outside 1...65535"
        )
        if self.mqtt.allowAnonymous {
            try Self.require(
                self.user(named: self.mqtt.anonymousUser) != nil,
                "mqtt.anonymous_user: \"\(self.mqtt.anonymousUser)\" is not in users.names"
            )
        }
        try self.validateSTOMP()
        try self.http.validate()
        try self.sqs.validate()
        try self.queues.validate()
        try self.limits.validate()
        try self.tls.validate()
    }

    /// The `stomp` section's ranges; the limits are what a client may make the broker buffer.
    private func validateSTOMP() throws {
        try Self.require(
            (256...16 * 1024 * 1024).contains(self.stomp.maxHeaderBytes),
            "stomp.max_header_bytes: \(self.stomp.maxHeaderBytes) is outside 256...16777216"
        )
        try Self.require(
            (1...65535).contains(self.stomp.maxHeaders),
            "stomp.max_headers: \(self.stomp.maxHeaders) is outside 1...65535"
        )
        try Self.require(
            (1...Int(Int32.max)).contains(self.stomp.maxBodyBytes),
            "stomp.max_body_bytes: \(self.stomp.maxBodyBytes) is outside 1...\(Int32.max)"
        )
        try Self.require(
            (0...3_600_000).contains(self.stomp.heartbeatMilliseconds),
            "stomp.heartbeat_ms: \(self.stomp.heartbeatMilliseconds) is outside 0...3600000"
        )
        try Self.require(
            self.stomp.connectTimeout > .zero,
            "stomp.connect_timeout_seconds: must be positive"
        )
    }

    private static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        guard condition else { throw ConfigurationError(message()) }
    }
}
