/// Fired down every client connection's pipeline when the broker stops. Each protocol closes in its
/// own words (AMQP connection.close 320, MQTT 5 DISCONNECT 0x8B, STOMP ERROR) and then the socket.
public struct BrokerShutdownEvent: Sendable {
    public init() {}
}

/// Fired down every client connection's pipeline when a resource alarm (memory, disk) starts or ends.
/// Publishers stop being read from until it clears (AMQP also hears connection.blocked/unblocked).
public enum ResourceAlarmEvent: Sendable, Equatable {
    case raised(reason: String)
    case cleared
}
