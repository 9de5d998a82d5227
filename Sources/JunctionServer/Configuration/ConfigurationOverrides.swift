/// Values given on the command line; `nil` leaves the lower layers' value in place.
public struct ConfigurationOverrides: Sendable, Hashable {
    public var dataDirectory: String?
    public var bindHost: String?
    public var amqpPort: Int?
    public var mqttPort: Int?
    public var stompPort: Int?
    public var httpPort: Int?
    public var sqsPort: Int?
    public var amqpsPort: Int?
    public var mqttsPort: Int?
    public var stompsPort: Int?
    public var httpsPort: Int?
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    public var tlsCAFile: String?
    public var logLevel: String?
    public var logFormat: String?

    public init(
        dataDirectory: String? = nil,
        bindHost: String? = nil,
        amqpPort: Int? = nil,
        mqttPort: Int? = nil,
        stompPort: Int? = nil,
        httpPort: Int? = nil,
        sqsPort: Int? = nil,
        amqpsPort: Int? = nil,
        mqttsPort: Int? = nil,
        stompsPort: Int? = nil,
        httpsPort: Int? = nil,
        tlsCertFile: String? = nil,
        tlsKeyFile: String? = nil,
        tlsCAFile: String? = nil,
        logLevel: String? = nil,
        logFormat: String? = nil
    ) {
        self.dataDirectory = dataDirectory
        self.bindHost = bindHost
        self.amqpPort = amqpPort
        self.mqttPort = mqttPort
        self.stompPort = stompPort
        self.httpPort = httpPort
        self.sqsPort = sqsPort
        self.amqpsPort = amqpsPort
        self.mqttsPort = mqttsPort
        self.stompsPort = stompsPort
        self.httpsPort = httpsPort
        self.tlsCertFile = tlsCertFile
        self.tlsKeyFile = tlsKeyFile
        self.tlsCAFile = tlsCAFile
        self.logLevel = logLevel
        self.logFormat = logFormat
    }
}
