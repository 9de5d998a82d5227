public import JunctionCore
public import JunctionTransport
public import Logging
public import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The HTTP listener: management and script API, `/metrics`, the dashboard and demo pages, and
/// WebSocket upgrades that hand the connection to another protocol's pipeline (the server passes
/// the table; this module never imports those protocols).
public struct HTTPListener: ProtocolListener {
    public var protocolName: String { "HTTP" }
    public let configuration: HTTPListenerConfiguration
    private let authenticator: any Authenticator
    private let webSocketRoutes: [String: WebSocketRoute]
    private let logger: Logger
    private let shared: NIOLoopBoundBox<HTTPListenerState>

    /// - Parameters:
    ///   - webSocketRoutes: path (`/ws`, `/mqtt`) → the protocol served there.
    ///   - eventLoop: the engine loop, where every connection of this listener runs (v1: one loop).
    public init(
        configuration: HTTPListenerConfiguration,
        authenticator: any Authenticator,
        webSocketRoutes: [String: WebSocketRoute] = [:],
        eventLoop: any EventLoop,
        logger: Logger
    ) {
        self.shared = .makeBoxSendingValue(HTTPListenerState(), eventLoop: eventLoop)
        self.configuration = configuration
        self.authenticator = authenticator
        self.webSocketRoutes = webSocketRoutes
        self.logger = logger
    }

    public func initializeConnection(
        _ channel: any Channel, broker: Broker, connectionID: ConnectionID, isLoopback: Bool
    ) throws {
        let requestGuard = HTTPRequestGuard(
            maxHeaderBytes: self.configuration.maxHeaderBytes,
            headerTimeout: self.configuration.headerTimeout,
            idleTimeout: self.configuration.idleTimeout
        )
        let handler = HTTPConnectionHandler(
            requestGuard: requestGuard,
            broker: broker,
            configuration: self.configuration,
            shared: self.shared.value,
            authenticator: self.authenticator,
            webSocketRoutes: self.webSocketRoutes,
            connectionID: connectionID,
            isLoopback: isLoopback,
            logger: self.logger
        )
        let upgrader = self.makeUpgrader(
            broker: NIOLoopBound(broker, eventLoop: channel.eventLoop),
            handler: NIOLoopBound(handler, eventLoop: channel.eventLoop),
            requestGuard: NIOLoopBound(requestGuard, eventLoop: channel.eventLoop),
            connectionID: connectionID,
            isLoopback: isLoopback
        )
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withPipeliningAssistance: true,
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }),
            withErrorHandling: true
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.pipeline.syncOperations.addHandler(requestGuard, position: .first)
    }

    private func makeUpgrader(
        broker: NIOLoopBound<Broker>,
        handler: NIOLoopBound<HTTPConnectionHandler>,
        requestGuard: NIOLoopBound<HTTPRequestGuard>,
        connectionID: ConnectionID,
        isLoopback: Bool
    ) -> NIOWebSocketServerUpgrader {
        let routes = self.webSocketRoutes
        let policy = self.configuration.originPolicy
        return NIOWebSocketServerUpgrader(
            maxFrameSize: self.configuration.maxWebSocketFrameBytes,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                // A refusal lets the request through to the connection handler, which answers with the reason.
                let headers = WebSocketUpgradePolicy.responseHeaders(for: head, routes: routes, policy: policy)
                return channel.eventLoop.makeSucceededFuture(headers)
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    guard let route = routes[WebSocketUpgradePolicy.path(of: head.uri)] else {
                        throw ChannelError.inappropriateOperationForState
                    }
                    let pipeline = channel.pipeline.syncOperations
                    // Removal of a plain handler completes synchronously on the loop; the frame handler takes its place.
                    _ = pipeline.removeHandler(handler.value)
                    requestGuard.value.stop()
                    _ = pipeline.removeHandler(requestGuard.value)
                    try pipeline.addHandler(WebSocketFrameHandler(sendsTextFrames: route.sendsTextFrames))
                    let engine = broker.value
                    try route.listener.initializeConnection(
                        channel, broker: engine, connectionID: connectionID, isLoopback: isLoopback)
                    if let registered = engine.connection(connectionID), !(registered is HTTPClientConnection) {
                        engine.connectionOpened(WebSocketClientConnection(wrapping: registered))
                    } else if let registered = engine.connection(connectionID) as? HTTPClientConnection {
                        registered.summary.protocolName = route.listener.protocolName
                        registered.summary.transport = "WebSocket"
                    }
                    channel.closeFuture.whenComplete { _ in
                        broker.value.connectionClosed(connectionID)
                    }
                }
            }
        )
    }
}
