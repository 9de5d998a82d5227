import JunctionServer
import Logging
import Testing

@Suite("Server: log levels a reload changes, and the shutdown deadline key")
struct ReloadableLogLevelTests {
    private static func configuration(_ level: Logger.Level, amqp: Logger.Level? = nil) -> JunctionConfiguration {
        var configuration = JunctionConfiguration()
        configuration.logLevel = level
        if let amqp { configuration.logLevels = ["junction.amqp": amqp] }
        return configuration
    }

    @Test func anUpdateReachesHandlersMadeBeforeIt() {
        let registry = LogLevelRegistry()
        registry.update(from: Self.configuration(.info))
        var amqp = registry.handler(label: "junction.amqp.session")
        let core = registry.handler(label: "junction.core")
        #expect(amqp.logLevel == .info && core.logLevel == .info)

        registry.update(from: Self.configuration(.info, amqp: .debug))
        #expect(amqp.logLevel == .debug)
        #expect(core.logLevel == .info)

        registry.update(from: Self.configuration(.warning))
        #expect(amqp.logLevel == .warning && core.logLevel == .warning)
        // A handler made after the update starts at the new level.
        #expect(registry.handler(label: "junction.http").logLevel == .warning)
        amqp.logLevel = .trace
        #expect(registry.handler(label: "junction.amqp.session").logLevel == .trace)
    }

    @Test func shutdownTimeoutComesFromEnvironmentWithinItsRange() async throws {
        let loaded = try await JunctionConfiguration.load(
            configFile: nil, environment: ["JUNCTION_SHUTDOWN_TIMEOUT_SECONDS": "4"])
        #expect(loaded.shutdownTimeoutSeconds == 4)
        #expect(JunctionConfiguration().shutdownTimeoutSeconds == 10)
        await #expect(throws: (any Error).self) {
            _ = try await JunctionConfiguration.load(
                configFile: nil, environment: ["JUNCTION_SHUTDOWN_TIMEOUT_SECONDS": "0"])
        }
    }
}
