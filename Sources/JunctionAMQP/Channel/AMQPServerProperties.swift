import JunctionCore
import JunctionModel

/// The server-properties table of connection.start. Clients (pika, rabbitmq-c, py-amqp) read
/// `capabilities` to decide which extensions to use.
enum AMQPServerProperties {
    static func table(version: String) -> FieldTable {
        let capabilities: FieldTable = [
            "publisher_confirms": .boolean(true),
            "exchange_exchange_bindings": .boolean(true),
            "basic.nack": .boolean(true),
            "consumer_cancel_notify": .boolean(true),
            "connection.blocked": .boolean(true),
            "authentication_failure_close": .boolean(true),
            "per_consumer_qos": .boolean(true),
            "consumer_priorities": .boolean(false),
            "direct_reply_to": .boolean(false),
        ]
        return [
            "product": .string("Junction"),
            "version": .string(version),
            "platform": .string("Swift/SwiftNIO"),
            "copyright": .string("Junction developers"),
            "information": .string("One broker for AMQP 0-9-1, MQTT, STOMP and HTTP"),
            "cluster_name": .string("junction"),
            "capabilities": .table(capabilities),
        ]
    }
}
