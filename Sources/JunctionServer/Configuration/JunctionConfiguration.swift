public import Logging

/// Everything the broker reads at start-up. `JunctionConfiguration()` is the compiled-in default
/// and equals what `conf/junction.yaml` says (a test keeps the two in step).
///
/// Sources, lowest precedence first: these defaults, the YAML file given by `--config`,
/// `JUNCTION_*` environment variables, command-line flags. See `load(configFile:environment:overrides:)`.
public struct JunctionConfiguration: Sendable, Hashable {
    public var listeners: ListenersConfiguration
    /// Directory for logs and metadata (`data_dir`).
    public var dataDirectory: String
    public var amqp: AMQPConfiguration
    public var mqtt: MQTTConfiguration
    public var stomp: STOMPConfiguration
    public var tls: TLSSettings
    /// Accounts, in the order the configuration lists them.
    public var users: [UserConfiguration]
    /// The virtual host created at start-up (`default_vhost`).
    public var resources: ResourcesConfiguration
    public var storage: StorageConfiguration
    /// The HTTP listener's trust boundary and limits (`http`).
    public var http: HTTPConfiguration
    /// Connection, consumer, topic and login limits (`limits`).
    public var limits: LimitsConfiguration
    /// The SQS-compatible listener (`sqs`).
    public var sqs: SQSConfiguration = SQSConfiguration()
    /// Memory budgets of queued message bodies (`queues`).
    public var queues: QueuesConfiguration = QueuesConfiguration()
    /// Seconds a graceful stop (SIGTERM, SIGINT) may take: clients are told the broker is going and
    /// those that have not closed by then are cut off (`shutdown_timeout_seconds`).
    public var shutdownTimeoutSeconds = 10
    public var defaultVirtualHost: String
    /// Lowest level that is logged (`log_level`), for every logger without an override.
    public var logLevel: Logger.Level
    /// Per-logger levels by logger label (`log_levels`, e.g. `junction.amqp: debug`).
    public var logLevels: [String: Logger.Level]
    /// How records are written to standard error (`log_format`): text lines or JSON lines.
    public var logFormat: LogFormat

    public init(
        listeners: ListenersConfiguration = ListenersConfiguration(),
        dataDirectory: String = "./data",
        amqp: AMQPConfiguration = AMQPConfiguration(),
        mqtt: MQTTConfiguration = MQTTConfiguration(),
        stomp: STOMPConfiguration = STOMPConfiguration(),
        tls: TLSSettings = TLSSettings(),
        users: [UserConfiguration] = [.guest],
        resources: ResourcesConfiguration = ResourcesConfiguration(),
        storage: StorageConfiguration = StorageConfiguration(),
        defaultVirtualHost: String = "/",
        logLevel: Logger.Level = .info,
        logLevels: [String: Logger.Level] = [:],
        logFormat: LogFormat = .text,
        http: HTTPConfiguration = HTTPConfiguration(),
        limits: LimitsConfiguration = LimitsConfiguration()
    ) {
        self.listeners = listeners
        self.dataDirectory = dataDirectory
        self.amqp = amqp
        self.mqtt = mqtt
        self.stomp = stomp
        self.tls = tls
        self.users = users
        self.resources = resources
        self.storage = storage
        self.defaultVirtualHost = defaultVirtualHost
        self.logLevel = logLevel
        self.logLevels = logLevels
        self.logFormat = logFormat
        self.http = http
        self.limits = limits
    }

    /// The configured account with that name.
    public func user(named name: String) -> UserConfiguration? {
        self.users.first { $0.name == name }
    }
}
