/// A declared exchange. `type` is the exchange type name (`direct`, `topic`, …) and `arguments`
/// is the declaration's argument table, encoded by the caller; the store keeps both opaque.
public struct ExchangeRecord: Hashable, Sendable {
    public var virtualHost: String
    public var name: String
    public var type: String
    public var durable: Bool
    public var autoDelete: Bool
    public var `internal`: Bool
    public var arguments: [UInt8]

    public init(
        virtualHost: String,
        name: String,
        type: String,
        durable: Bool = true,
        autoDelete: Bool = false,
        internal: Bool = false,
        arguments: [UInt8] = []
    ) {
        self.virtualHost = virtualHost
        self.name = name
        self.type = type
        self.durable = durable
        self.autoDelete = autoDelete
        self.internal = `internal`
        self.arguments = arguments
    }
}
