import ArgumentParser
import JunctionServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The Junction broker.
@main
struct Junction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "junction",
        abstract: "Junction message broker (AMQP 0-9-1, MQTT, STOMP, HTTP).",
        discussion: """
            Settings come from, lowest precedence first: the compiled-in defaults (conf/junction.yaml), \
            the file given by --config, JUNCTION_* environment variables, and these flags. \
            A port of 0 disables that listener. The TLS listeners stay off while no certificate is \
            configured. SIGTERM/SIGINT stop gracefully (shutdown_timeout_seconds); SIGHUP reloads log levels, \
            users and the certificate files.
            """,
        version: JunctionServer.version
    )

    @Option(name: .long, help: "YAML configuration file.")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Directory for logs and metadata.")
    var dataDir: String?

    @Option(name: .customLong("amqp-port"), help: "AMQP 0-9-1 port (0 disables).")
    var amqpPort: Int?

    @Option(name: .customLong("mqtt-port"), help: "MQTT port (0 disables).")
    var mqttPort: Int?

    @Option(name: .customLong("stomp-port"), help: "STOMP port (0 disables).")
    var stompPort: Int?

    @Option(name: .customLong("http-port"), help: "HTTP API port (0 disables).")
    var httpPort: Int?

    @Option(name: .customLong("sqs-port"), help: "SQS-compatible API port (0 disables).")
    var sqsPort: Int?

    @Option(name: .customLong("amqps-port"), help: "AMQP 0-9-1 over TLS port (0 disables; needs --tls-cert-file).")
    var amqpsPort: Int?

    @Option(name: .customLong("mqtts-port"), help: "MQTT over TLS port (0 disables; needs --tls-cert-file).")
    var mqttsPort: Int?

    @Option(name: .customLong("stomps-port"), help: "STOMP over TLS port (0 disables; needs --tls-cert-file).")
    var stompsPort: Int?

    @Option(name: .customLong("https-port"), help: "HTTPS and wss port (0 disables; needs --tls-cert-file).")
    var httpsPort: Int?

    @Option(name: .customLong("tls-cert-file"), help: "PEM server certificate (chain); turns the TLS listeners on.")
    var tlsCertFile: String?

    @Option(name: .customLong("tls-key-file"), help: "PEM private key of the server certificate.")
    var tlsKeyFile: String?

    @Option(name: .customLong("tls-ca-file"), help: "PEM CA certificates that client certificates must chain to.")
    var tlsCAFile: String?

    @Option(name: .long, help: "Address every listener binds to.")
    var bind: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text (lines for people) or json (one JSON object per line).")
    var logFormat: String?

    func run() async throws {
        let overrides = ConfigurationOverrides(
            dataDirectory: self.dataDir,
            bindHost: self.bind,
            amqpPort: self.amqpPort,
            mqttPort: self.mqttPort,
            stompPort: self.stompPort,
            httpPort: self.httpPort,
            sqsPort: self.sqsPort,
            amqpsPort: self.amqpsPort,
            mqttsPort: self.mqttsPort,
            stompsPort: self.stompsPort,
            httpsPort: self.httpsPort,
            tlsCertFile: self.tlsCertFile,
            tlsKeyFile: self.tlsKeyFile,
            tlsCAFile: self.tlsCAFile,
            logLevel: self.logLevel,
            logFormat: self.logFormat
        )
        let configuration: JunctionConfiguration
        do {
            configuration = try await JunctionConfiguration.load(
                configFile: self.config,
                environment: Self.environment(),
                overrides: overrides
            )
        } catch {
            throw ValidationError("\(error)")
        }
        JunctionLogging.bootstrap(for: configuration)
        let logger = JunctionLogging.logger(for: configuration)
        // SIGHUP reads the same sources again, with the same precedence (the file may have changed).
        let configFile = self.config
        let reload: @Sendable () async throws -> JunctionConfiguration = {
            try await JunctionConfiguration.load(
                configFile: configFile, environment: Self.environment(), overrides: overrides)
        }
        try await JunctionServer(configuration: configuration, logger: logger, reloadConfiguration: reload).run()
    }

    /// The process environment (without Foundation).
    private static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let pair = String(cString: entry)
            if let equals = pair.firstIndex(of: "=") {
                result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            cursor += 1
        }
        return result
    }
}
