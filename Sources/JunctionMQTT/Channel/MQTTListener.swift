public import JunctionCore
public import JunctionTransport
public import Logging
public import NIOCore

/// Installs the MQTT pipeline on an accepted connection (the server's one seam per protocol).
public struct MQTTListener: ProtocolListener {
    public var protocolName: String { "MQTT" }
    public let configuration: MQTTAdapterConfiguration
    private let state: MQTTServerStateCell

    /// - Parameters:
    ///   - makeSessionStore: where persistent sessions are kept (in memory by default).
    ///   - makeRetainedStore: where retained messages are kept (in memory by default).
    ///   - eventLoop: the engine loop, where the listener's state is created and every connection runs.
    public init(
        configuration: MQTTAdapterConfiguration,
        authenticator: any Authenticator,
        logger: Logger,
        makeSessionStore: @escaping @Sendable () -> any MQTTSessionStore = { InMemorySessionStore() },
        makeRetainedStore: @escaping @Sendable () -> any MQTTRetainedStore = { InMemoryRetainedStore() },
        eventLoop: any EventLoop
    ) {
        self.configuration = configuration
        self.state = MQTTServerStateCell(
            configuration: configuration, authenticator: authenticator, logger: logger,
            makeSessionStore: makeSessionStore, makeRetainedStore: makeRetainedStore, eventLoop: eventLoop)
    }

    /// Rebuilds what survives a restart, before the first connection: re-arms the expiry of
    /// stored sessions (deleting those that expired while the broker was down) and creates the
    /// retained store (a durable one loads its messages). Call on the engine loop.
    public func restore(broker: Broker, eventLoop: any EventLoop) {
        let state = self.state.value(broker: broker)
        let host = broker.virtualHost(self.configuration.virtualHost)
        state.restoreSessions(host: host, eventLoop: eventLoop, maximumExpiry: self.configuration.maximumSessionExpiry)
        if let host { MQTTServerState.applySessionLimits(self.configuration.sessionLimits, in: host) }
    }

    public func initializeConnection(
        _ channel: any Channel,
        broker: Broker,
        connectionID: ConnectionID,
        isLoopback: Bool
    ) throws {
        let handler = MQTTConnectionHandler(
            server: self.state.value(broker: broker), connectionID: connectionID, isLoopback: isLoopback)
        try channel.pipeline.syncOperations.addHandler(handler)
    }
}
