public import NIOCore

/// One message as every protocol adapter hands it to the core. The body is a `ByteBuffer` slice
/// shared (copy-on-write) between the socket, the queues it is routed to and the sockets it leaves by.
public struct Message: Sendable, Equatable {
    /// The exchange it was published to ("" is the default exchange).
    public var exchange: String
    public var routingKey: String
    public var properties: MessageProperties
    public var body: ByteBuffer

    public init(
        exchange: String, routingKey: String, properties: MessageProperties = MessageProperties(), body: ByteBuffer
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.body = body
    }
}
