/// Values given on the command line; `nil` leaves the lower layers' value in place.
public struct ConfigurationOverrides: Sendable, Hashable {
    public var dataDirectory: String?
    public var bindHost: String?
    public var amqpPort: Int?
    public var mqttPort: Int?
    public var stompPort: Int?
    public var httpPort: Int?
    public var logLevel: String?

    public init(
        dataDirectory: String? = nil,
        bindHost: String? = nil,
        amqpPort: Int? = nil,
        mqttPort: Int? = nil,
        stompPort: Int? = nil,
        httpPort: Int? = nil,
        logLevel: String? = nil
    ) {
        self.dataDirectory = dataDirectory
        self.bindHost = bindHost
        self.amqpPort = amqpPort
        self.mqttPort = mqttPort
        self.stompPort = stompPort
        self.httpPort = httpPort
        self.logLevel = logLevel
    }
}
