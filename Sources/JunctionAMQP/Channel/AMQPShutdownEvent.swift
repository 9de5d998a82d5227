/// Fired down a connection's pipeline when the broker stops: the connection is closed with 320
/// CONNECTION_FORCED, as RabbitMQ does, so clients know to reconnect elsewhere.
public struct AMQPShutdownEvent: Sendable {
    public init() {}
}
