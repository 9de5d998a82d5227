public import JunctionCore
public import JunctionTransport
public import Logging
public import NIOCore

/// Installs the AMQP pipeline on an accepted connection. The server owns the socket and the
/// bootstrap; this is the one seam through which it composes the protocol.
public struct AMQPListener: ProtocolListener {
    public var protocolName: String { "AMQP 0-9-1" }
    public let configuration: AMQPAdapterConfiguration
    private let authenticator: any Authenticator
    private let logger: Logger

    public init(configuration: AMQPAdapterConfiguration, authenticator: any Authenticator, logger: Logger) {
        self.configuration = configuration
        self.authenticator = authenticator
        self.logger = logger
    }

    /// Must run on the broker's event loop, which in this version is also the connection's.
    public func initializeConnection(
        _ channel: any Channel,
        broker: Broker,
        connectionID: ConnectionID,
        isLoopback: Bool
    ) throws {
        let handler = AMQPConnectionHandler(
            broker: broker,
            configuration: self.configuration,
            authenticator: self.authenticator,
            connectionID: connectionID,
            isLoopback: isLoopback,
            logger: self.logger
        )
        try channel.pipeline.syncOperations.addHandler(handler)
    }
}
