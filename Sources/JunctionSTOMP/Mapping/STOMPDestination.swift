/// A STOMP destination in RabbitMQ's conventions, parsed from the `destination` header.
public enum STOMPDestination: Sendable, Hashable {
    /// `/queue/name`: a durable queue, declared on first use, reached through the default exchange.
    case queue(String)
    /// `/topic/key`: routing key `key` on `amq.topic`; each subscriber gets its own queue.
    case topic(String)
    /// `/exchange/name/key` (`key` may be empty, and may contain `/`).
    case exchange(String, routingKey: String)
    /// `/amq/queue/name`: an existing queue, never declared.
    case amqQueue(String)
    /// `/temp-queue/name`: a connection-private reply queue.
    case tempQueue(String)
    /// `/reply-queue/name`: the real queue behind another connection's temp queue.
    case replyQueue(String)

    /// Parses a destination; nil when it follows none of the conventions or names nothing.
    public init?(_ text: String) {
        func rest(after prefix: String) -> String? {
            guard text.hasPrefix(prefix) else { return nil }
            let name = String(text.dropFirst(prefix.count))
            return name.isEmpty ? nil : name
        }
        if let name = rest(after: "/queue/") {
            self = .queue(name)
        } else if let key = rest(after: "/topic/") {
            self = .topic(key)
        } else if let name = rest(after: "/amq/queue/") {
            self = .amqQueue(name)
        } else if let name = rest(after: "/temp-queue/") {
            self = .tempQueue(name)
        } else if let name = rest(after: "/reply-queue/") {
            self = .replyQueue(name)
        } else if let path = rest(after: "/exchange/") {
            let parts = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard !parts[0].isEmpty else { return nil }
            self = .exchange(String(parts[0]), routingKey: parts.count == 2 ? String(parts[1]) : "")
        } else {
            return nil
        }
    }

    /// The destination as text.
    public var text: String {
        switch self {
        case .queue(let name): "/queue/\(name)"
        case .topic(let key): "/topic/\(key)"
        case .exchange(let name, let key): key.isEmpty ? "/exchange/\(name)" : "/exchange/\(name)/\(key)"
        case .amqQueue(let name): "/amq/queue/\(name)"
        case .tempQueue(let name): "/temp-queue/\(name)"
        case .replyQueue(let name): "/reply-queue/\(name)"
        }
    }

    /// How a MESSAGE names where a message was published (RabbitMQ: from its exchange and routing key).
    public static func of(exchange: String, routingKey: String) -> STOMPDestination {
        switch exchange {
        case "": .queue(routingKey)
        case "amq.topic": .topic(routingKey)
        default: .exchange(exchange, routingKey: routingKey)
        }
    }
}
