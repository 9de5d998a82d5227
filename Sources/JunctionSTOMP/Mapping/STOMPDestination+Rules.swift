/// What each kind of destination means for SEND and SUBSCRIBE (RabbitMQ's STOMP conventions), as data: the
/// session carries these out against the engine. Kept apart from the channel so the rules are pure and tested
/// on their own.
extension STOMPDestination {
    /// Where a SEND goes.
    enum PublishTarget: Equatable {
        /// Through `exchange` with `routingKey`; `declaring` names a `/queue/` queue declared (durable) first.
        case route(exchange: String, routingKey: String, declaring: String?)
        /// To the connection's temp queue of this name (created on first use), through the default exchange.
        case tempQueue(String)
    }

    /// Where a SUBSCRIBE takes its messages from.
    enum SubscribeSource: Equatable {
        /// `/queue/name`: declared durable on first use (with the SUBSCRIBE's `x-` arguments), unless a stream.
        case declaredQueue(String)
        /// `/amq/queue/name` and `/reply-queue/name`: a queue that must exist; never declared.
        case existingQueue(String)
        /// `/temp-queue/name`: the connection's private reply queue.
        case tempQueue(String)
        /// `/topic/key` and `/exchange/name/key`: a queue of the subscription's own (server-named and
        /// auto-delete, or `stomp-subscription-<id>` when durable) bound with `routingKey`. MESSAGE frames
        /// then name the address each message was published to.
        case binding(exchange: String, routingKey: String)
    }

    var publishTarget: PublishTarget {
        switch self {
        case .queue(let name): .route(exchange: "", routingKey: name, declaring: name)
        case .amqQueue(let name), .replyQueue(let name): .route(exchange: "", routingKey: name, declaring: nil)
        case .tempQueue(let name): .tempQueue(name)
        case .topic(let key): .route(exchange: "amq.topic", routingKey: key, declaring: nil)
        case .exchange(let name, let key): .route(exchange: name, routingKey: key, declaring: nil)
        }
    }

    var subscribeSource: SubscribeSource {
        switch self {
        case .queue(let name): .declaredQueue(name)
        case .amqQueue(let name), .replyQueue(let name): .existingQueue(name)
        case .tempQueue(let name): .tempQueue(name)
        case .topic(let key): .binding(exchange: "amq.topic", routingKey: key)
        case .exchange(let name, let key): .binding(exchange: name, routingKey: key)
        }
    }

    /// The queue name a durable topic or exchange subscription keeps across connections.
    static func durableSubscriptionQueue(id: String) -> String { "stomp-subscription-\(id)" }
}
