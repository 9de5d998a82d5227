/// Fired down every AMQP connection's pipeline when a resource alarm (memory, disk) starts or ends.
/// Publishing connections are told with connection.blocked/unblocked (when the client announced the
/// capability) and are no longer read from until the alarm clears, as RabbitMQ does.
public enum AMQPFlowControlEvent: Sendable {
    case blocked(reason: String)
    case unblocked
}
