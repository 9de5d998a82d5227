public import JunctionModel

/// One binding. Kept by its source exchange (outgoing) and by its destination (incoming), so that
/// deleting either end removes it from the other.
struct Binding: Hashable {
    let source: Exchange
    let destination: BindingDestination
    let routingKey: String
    let arguments: FieldTable

    static func == (lhs: Binding, rhs: Binding) -> Bool {
        lhs.source === rhs.source && lhs.destination == rhs.destination && lhs.routingKey == rhs.routingKey
            && lhs.arguments == rhs.arguments
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(self.source))
        hasher.combine(self.destination)
        hasher.combine(self.routingKey)
        hasher.combine(self.arguments)
    }
}

/// A binding as management and tests see it.
public struct BindingInfo: Sendable, Hashable {
    public enum DestinationKind: String, Sendable, Hashable {
        case queue
        case exchange
    }

    public var source: String
    public var destination: String
    public var destinationKind: DestinationKind
    public var routingKey: String
    public var arguments: FieldTable

    public init(
        source: String, destination: String, destinationKind: DestinationKind, routingKey: String, arguments: FieldTable
    ) {
        self.source = source
        self.destination = destination
        self.destinationKind = destinationKind
        self.routingKey = routingKey
        self.arguments = arguments
    }
}

extension Binding {
    var info: BindingInfo {
        let kind: BindingInfo.DestinationKind =
            switch self.destination {
            case .queue: .queue
            case .exchange: .exchange
            }
        return BindingInfo(
            source: self.source.name,
            destination: self.destination.name,
            destinationKind: kind,
            routingKey: self.routingKey,
            arguments: self.arguments
        )
    }
}
