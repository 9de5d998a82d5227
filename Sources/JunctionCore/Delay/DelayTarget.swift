/// Where a delayed message goes when it falls due: through a delayed exchange (routed by its
/// `x-delayed-type` with the bindings of that moment), or straight into a queue (queue-level and
/// per-message delays, SQS `DelaySeconds`).
public struct DelayTarget: Hashable, Sendable {
    public enum Kind: UInt8, Sendable {
        case exchange = 0
        case queue = 1
    }

    public var kind: Kind
    public var name: String

    public init(kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }

    public static func exchange(_ name: String) -> DelayTarget { DelayTarget(kind: .exchange, name: name) }
    public static func queue(_ name: String) -> DelayTarget { DelayTarget(kind: .queue, name: name) }
}
