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

    public init(
        bindHost: String = "127.0.0.1",
        amqpPort: Int = 5672,
        mqttPort: Int = 1883,
        stompPort: Int = 61613,
        httpPort: Int = 15672
    ) {
        self.bindHost = bindHost
        self.amqpPort = amqpPort
        self.mqttPort = mqttPort
        self.stompPort = stompPort
        self.httpPort = httpPort
    }
}
