import Foundation
import JunctionServer
import Logging
import Testing

@Suite("Server configuration: log levels of every logger")
struct ServerConfigurationLogLevelsTests {
    private static func temporaryYAML(_ yaml: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("junction-log-levels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("junction.yaml")
        try Data(yaml.utf8).write(to: file)
        return file.path
    }

    @Test func logLevelAppliesToEveryModuleLogger() {
        var configuration = JunctionConfiguration()
        configuration.logLevel = .debug
        for label in JunctionLogging.loggerLabels {
            #expect(configuration.logLevel(forLabel: label) == .debug, "\(label)")
        }
        #expect(configuration.logLevel(forLabel: "junction.mqtt.sessions") == .debug)
    }

    @Test func aLoggerMadeAfterBootstrapHasTheConfiguredLevel() {
        // What `bootstrap` installs, without touching the process-wide logging system.
        var configuration = JunctionConfiguration()
        configuration.logLevel = .debug
        let logger = Logger(label: "junction.mqtt") { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = configuration.logLevel(forLabel: label)
            return handler
        }
        #expect(logger.logLevel == .debug)
    }

    @Test func perLoggerOverridesFromFileAndEnvironment() async throws {
        let path = try Self.temporaryYAML(
            """
            log_level: warning
            log_levels:
              junction.amqp: debug
              junction: error
            """
        )
        let loaded = try await JunctionConfiguration.load(
            configFile: path, environment: ["JUNCTION_LOG_LEVELS_JUNCTION_MQTT": "trace"])
        #expect(loaded.logLevels == ["junction.amqp": .debug, "junction": .error, "junction.mqtt": .trace])
        #expect(loaded.logLevel(forLabel: "junction.amqp") == .debug)
        #expect(loaded.logLevel(forLabel: "junction.mqtt") == .trace)
        // Not overridden itself: its nearest configured ancestor, the root.
        #expect(loaded.logLevel(forLabel: "junction.stomp") == .error)
        #expect(loaded.logLevel(forLabel: "other") == .warning)
    }

    @Test func anUnknownLevelNamesTheKey() async throws {
        let path = try Self.temporaryYAML("log_levels:\n  junction.http: loud\n")
        await #expect {
            _ = try await JunctionConfiguration.load(configFile: path, environment: [:])
        } throws: { error in
            "\(error)".contains("log_levels.junction.http")
        }
    }
}
