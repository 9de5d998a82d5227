import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The broker as a swift-service-lifecycle `Service`. The `ServiceGroup` in `JunctionServer.run()`
/// turns SIGTERM and SIGINT into a graceful shutdown; this service then stops the server within
/// `shutdown_timeout_seconds`. SIGHUP reloads: log levels, the `users` accounts and the TLS
/// certificates (`JunctionServer.reload`), without touching open connections.
struct BrokerService: Service {
    let server: JunctionServer
    let logger: Logger

    func run() async throws {
        let running = try await self.server.start()
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        // Until the graceful shutdown ends the sequence, each SIGHUP is one reload.
        for await _ in hangups.cancelOnGracefulShutdown() {
            await self.server.reload(running)
        }
        let timeout = self.server.configuration.shutdownTimeoutSeconds
        self.logger.notice("shutdown requested", metadata: ["timeout_seconds": "\(timeout)"])
        try await running.stop(timeout: .seconds(Int64(timeout)))
    }
}

extension JunctionServer {
    /// SIGHUP: reads the configuration again (when the server was given a way to), applies its log
    /// levels and `users`, and reloads the TLS certificates. A configuration that fails to load
    /// changes nothing but the certificates, and says why.
    public func reload(_ running: RunningServer) async {
        self.logger.notice("reload requested")
        if let reloadConfiguration = self.reloadConfiguration {
            do {
                let configuration = try await reloadConfiguration()
                JunctionLogging.reloadLevels(from: configuration)
                await running.bootstrapUsers(configuration.users)
                self.logger.notice(
                    "configuration reloaded",
                    metadata: [
                        "log_level": "\(configuration.logLevel.rawValue)",
                        "users": "\(configuration.users.map(\.name).joined(separator: ","))",
                    ])
            } catch {
                self.logger.error(
                    "configuration reload failed; the running settings stay", metadata: ["error": "\(error)"])
            }
        }
        running.reloadCertificates()
    }
}
