public import Logging

/// Process-wide logging set-up for the `junction` executable.
public enum JunctionLogging {
    /// Sends every log line to standard error. Call once, before the first logger is made.
    public static func bootstrap() {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
    }

    /// The broker's root logger at the configured level.
    public static func logger(for configuration: JunctionConfiguration) -> Logger {
        var logger = Logger(label: "junction")
        logger.logLevel = configuration.logLevel
        return logger
    }
}
