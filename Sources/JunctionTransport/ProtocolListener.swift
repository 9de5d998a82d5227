public import JunctionCore
public import NIOCore

/// The one seam through which the server composes a protocol: given an accepted connection, install
/// that protocol's pipeline. The server owns sockets, bootstraps and the connection registry; a
/// protocol module never sees them, and the server never names a protocol's handler types.
public protocol ProtocolListener: Sendable {
    /// Shown in logs and in the management API (`AMQP 0-9-1`, `MQTT`, `STOMP`).
    var protocolName: String { get }

    /// Runs on the broker's event loop, which in this version is also the connection's.
    func initializeConnection(
        _ channel: any Channel,
        broker: Broker,
        connectionID: ConnectionID,
        isLoopback: Bool
    ) throws

    /// Brings back what the protocol keeps across restarts (MQTT sessions and retained messages), on the
    /// broker's loop, before the first client connects.
    func restore(broker: Broker, eventLoop: any EventLoop)
}

extension ProtocolListener {
    /// Most protocols keep nothing of their own across restarts: the engine restores queues and streams.
    public func restore(broker: Broker, eventLoop: any EventLoop) {}
}

/// A listener whose connections may run on event loops of their own instead of the engine loop, so that
/// per-request work that does not touch engine state (parsing, authentication, encoding) runs in parallel
/// with the engine. Its handlers reach the engine loop in one hop per request and answer in one hop back
/// (ARCHITECTURE.md: connections on other loops with batched hand-over).
public protocol OwnLoopsProtocolListener: ProtocolListener {
    /// The loops its connections run on; nil puts them on the engine loop like every other listener's.
    var connectionLoops: (any EventLoopGroup)? { get }

    /// Runs on the connection's loop (one of `connectionLoops`), after the server registered the connection
    /// on the engine loop. `broker` may be used on the engine loop only.
    func initializeConnection(
        _ channel: any Channel,
        broker: NIOLoopBound<Broker>,
        connectionID: ConnectionID,
        isLoopback: Bool
    ) throws
}
