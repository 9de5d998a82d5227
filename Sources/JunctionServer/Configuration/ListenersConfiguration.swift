/// Where the broker listens. A port of 0 disables that listener.
public struct ListenersConfiguration: Sendable, Hashable {
    /// The address every listener binds to (`listeners.bind`).
    public var bindHost: String
    /// AMQP 0-9-1 (`listeners.amqp_port`).
    public var amqpPort: Int
    /// MQTT 3.1.1/5.0 (`listeners.mqtt_port`).
    public var mqttPort: Int
    /// STOMP 1.0–1.2 (`listeners.stomp_port`).
    public var stompPort: Int
    /// HTTP API, management and metrics (`listeners.http_port`).
    public var httpPort: Int
    /// AMQP 0-9-1 over TLS (`listeners.amqps_port`). The four TLS listeners stay off while no
    /// certificate is configured (`tls.cert_file`).
    public var amqpsPort: Int
    /// MQTT over TLS (`listeners.mqtts_port`).
    public var mqttsPort: Int
    /// STOMP over TLS (`listeners.stomps_port`).
    public var stompsPort: Int
    /// HTTPS, with WebSocket over TLS (wss) at the same paths (`listeners.https_port`).
    public var httpsPort: Int
    /// The SQS-compatible API, ElasticMQ's port (`listeners.sqs_port`).
    public var sqsPort: Int
    /// Connections the kernel holds accepted but not yet taken by the broker, per listener
    /// (`listeners.backlog`; capped by the kernel's net.core.somaxconn). A reconnect storm beyond it
    /// turns into SYN retries, seconds late.
    public var backlog: Int

    public init(
        bindHost: String = "127.0.0.1",
        amqpPort: Int = 5672,
        mqttPort: Int = 1883,
        stompPort: Int = 61613,
        httpPort: Int = 15672,
        amqpsPort: Int = 5671,
        mqttsPort: Int = 8883,
        stompsPort: Int = 61614,
        httpsPort: Int = 15671,
        sqsPort: Int = 9324,
        backlog: Int = 4096
    ) {
        self.backlog = backlog
        self.bindHost = bindHost
        self.amqpPort = amqpPort
        self.mqttPort = mqttPort
        self.stompPort = stompPort
        self.httpPort = httpPort
        self.amqpsPort = amqpsPort
        self.mqttsPort = mqttsPort
        self.stompsPort = stompsPort
        self.httpsPort = httpsPort
        self.sqsPort = sqsPort
    }
}
