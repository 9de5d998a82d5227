import JunctionCore
import JunctionTransport
import Logging
public import NIOCore
import NIOPosix

/// A started server: its listeners' addresses, and `stop()`.
public final class RunningServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    /// The I/O thread and the read-ahead thread, stopped after the event loops.
    private let threadPools: [NIOThreadPool]
    /// Loops of listeners whose connections run beside the engine loop (`sqs.event_loops`).
    private let connectionLoops: MultiThreadedEventLoopGroup?
    private let listeners: [any Channel]
    private let state: NIOLoopBound<EngineState>
    private let timers: [RepeatedTask]
    private let tlsContexts: TLSContextStore?
    private let logger: Logger

    init(
        group: MultiThreadedEventLoopGroup,
        threadPools: [NIOThreadPool],
        connectionLoops: MultiThreadedEventLoopGroup?,
        listeners: [any Channel],
        state: NIOLoopBound<EngineState>,
        timers: [RepeatedTask],
        tlsContexts: TLSContextStore?,
        logger: Logger
    ) {
        self.group = group
        self.threadPools = threadPools
        self.connectionLoops = connectionLoops
        self.listeners = listeners
        self.state = state
        self.timers = timers
        self.tlsContexts = tlsContexts
        self.logger = logger
    }

    /// Reads the TLS certificate, key and CA files again (SIGHUP). New connections use them; open
    /// ones keep what they were accepted with. Files that fail to load leave the previous ones in use.
    /// Returns whether new certificates are in use.
    @discardableResult
    public func reloadCertificates() -> Bool {
        guard let tlsContexts = self.tlsContexts else {
            self.logger.notice("reload requested; no TLS certificate is configured")
            return false
        }
        do {
            try tlsContexts.reload()
            self.logger.notice("TLS certificates reloaded")
            return true
        } catch {
            self.logger.error(
                "TLS reload failed; the previous certificates stay in use", metadata: ["error": "\(error)"])
            return false
        }
    }

    public var localAddresses: [SocketAddress] { self.listeners.compactMap(\.localAddress) }

    /// Applies a reloaded configuration (SIGHUP): the `users` accounts are bootstrapped again (a new
    /// account is created, a changed password or tag list takes effect for the next login). Log
    /// levels are the process's (`JunctionLogging.reloadLevels`), TLS files `reloadCertificates()`.
    public func bootstrapUsers(_ users: [UserConfiguration]) async {
        let state = self.state
        let logger = self.logger
        try? await state.eventLoop.submit {
            for user in users {
                do {
                    try state.value.broker.bootstrapUser(
                        name: user.name, password: user.password, tags: user.tags.sorted())
                } catch {
                    logger.error(
                        "reload: cannot bootstrap user", metadata: ["user": "\(user.name)", "error": "\(error)"])
                }
            }
        }.get()
    }

    /// Stops accepting, tells every connection the broker is going in its protocol's words (AMQP
    /// connection.close 320, MQTT 5 DISCONNECT 0x8B, STOMP ERROR), waits until they are closed or
    /// `timeout` has passed (then cuts the rest off), and syncs and closes the stores.
    public func stop(timeout: TimeAmount = .seconds(10)) async throws {
        let draining = self.state
        try? await draining.eventLoop.submit { draining.value.broker.readiness.stopping = true }.get()
        for listener in self.listeners {
            try? await listener.close()
        }
        let loop = self.state.eventLoop
        let state = self.state
        let connections = try await loop.submit {
            state.value.connections.all.map { NIOLoopBound($0, eventLoop: loop) }
        }
        .get()
        self.logger.info("stopping: closing client connections", metadata: ["connections": "\(connections.count)"])
        for connection in connections {
            connection.eventLoop.execute {
                connection.value.pipeline.fireUserInboundEventTriggered(BrokerShutdownEvent())
            }
        }
        // One deadline for all: clients answer close-ok (or just go); stragglers are cut off.
        let cutOff = loop.scheduleTask(in: timeout) {
            for connection in connections where connection.value.isActive {
                connection.value.close(promise: nil)
            }
        }
        for connection in connections {
            let closed = loop.submit { connection.value.closeFuture }.flatMap { $0 }
            _ = try? await closed.get()
        }
        cutOff.cancel()
        for timer in self.timers { timer.cancel() }
        try await loop.submit { state.value.close() }.get()
        // Every connection is closed and its engine side with it: nothing hops to these loops any more.
        try await self.connectionLoops?.shutdownGracefully()
        try await self.group.shutdownGracefully()
        for pool in self.threadPools { try await pool.shutdownGracefully() }
        self.logger.info("broker stopped")
    }
}
