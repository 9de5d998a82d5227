/// Where a binding leads: a queue, or another exchange (exchange-to-exchange binding).
/// Identity is the object's identity, so routing compares pointers, not names.
enum BindingDestination: Hashable {
    case queue(MessageQueue)
    case exchange(Exchange)

    static func == (lhs: BindingDestination, rhs: BindingDestination) -> Bool {
        switch (lhs, rhs) {
        case (.queue(let a), .queue(let b)): a === b
        case (.exchange(let a), .exchange(let b)): a === b
        case (.queue, .exchange), (.exchange, .queue): false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .queue(let queue):
            hasher.combine(0)
            hasher.combine(ObjectIdentifier(queue))
        case .exchange(let exchange):
            hasher.combine(1)
            hasher.combine(ObjectIdentifier(exchange))
        }
    }

    var name: String {
        switch self {
        case .queue(let queue): queue.name
        case .exchange(let exchange): exchange.name
        }
    }
}
