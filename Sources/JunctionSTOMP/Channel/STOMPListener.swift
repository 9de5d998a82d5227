public import JunctionCore
public import JunctionTransport
public import Logging
public import NIOCore

/// Installs the STOMP pipeline on an accepted connection (TCP; the WebSocket path puts a frame
/// handler in front of the same `ByteBuffer` handler).
public struct STOMPListener: ProtocolListener {
    public var protocolName: String { "STOMP" }
    public let configuration: STOMPAdapterConfiguration
    private let authenticator: any Authenticator
    private let logger: Logger

    public init(configuration: STOMPAdapterConfiguration, authenticator: any Authenticator, logger: Logger) {
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
        let handler = STOMPConnectionHandler(
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
