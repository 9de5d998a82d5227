public import Logging

/// Process-wide logging set-up for the `junction` executable.
public enum JunctionLogging {
    /// The labels of the broker's loggers: the root and one per module. `log_levels` may name any
    /// of them; a logger made with another label (`junction.x.y`) takes the level of its nearest
    /// configured ancestor, else `log_level`.
    public static let loggerLabels = [
        "junction", "junction.amqp", "junction.mqtt", "junction.stomp", "junction.http", "junction.core",
        "junction.storage", "junction.tls", "junction.sqs",
    ]

    /// Sends every log line to standard error in the configured format (`log_format`), each
    /// logger at its configured level. Call once, before the first logger is made: a logger's
    /// level is fixed when it is made, so the level is set in the handler factory rather than on
    /// the root logger only.
    public static func bootstrap(for configuration: JunctionConfiguration) {
        LogLevelRegistry.shared.update(from: configuration)
        LoggingSystem.bootstrap { label in
            // The level lives in the registry, so SIGHUP (`reloadLevels`) reaches every logger.
            ReloadableLevelLogHandler(
                inner: self.handler(label: label, configuration: configuration),
                slot: LogLevelRegistry.shared.slot(forLabel: label))
        }
    }

    /// Applies a reloaded configuration's `log_level` and `log_levels` to every logger (SIGHUP).
    public static func reloadLevels(from configuration: JunctionConfiguration) {
        LogLevelRegistry.shared.update(from: configuration)
    }

    /// The handler `bootstrap` gives the logger with this label.
    public static func handler(label: String, configuration: JunctionConfiguration) -> any LogHandler {
        var handler: any LogHandler =
            switch configuration.logFormat {
            case .text: StreamLogHandler.standardError(label: label)
            case .json: JSONLogHandler.standardError(label: label)
            }
        handler.logLevel = configuration.logLevel(forLabel: label)
        return handler
    }

    /// The broker's root logger (its level comes from the handler `bootstrap` made).
    public static func logger(for configuration: JunctionConfiguration) -> Logger {
        var logger = Logger(label: "junction")
        logger.logLevel = configuration.logLevel(forLabel: "junction")
        return logger
    }
}

extension JunctionConfiguration {
    /// The level of the logger with this label: the `log_levels` entry of the label or of its
    /// nearest dotted ancestor (`junction.mqtt` for `junction.mqtt.session`), else `log_level`.
    public func logLevel(forLabel label: String) -> Logger.Level {
        var candidate = Substring(label)
        while true {
            if let level = self.logLevels[String(candidate)] { return level }
            guard let dot = candidate.lastIndex(of: ".") else { return self.logLevel }
            candidate = candidate[..<dot]
        }
    }
}
