public import JunctionModel
import NIOCore

// Arguments of the exchange class (40), AMQP 0-9-1 §1.6.2 and RabbitMQ's exchange.bind/unbind.
// The reserved ticket short that opens each method is skipped on decode and written as 0.

/// exchange.declare (40.10).
public struct AMQPExchangeDeclare: Sendable, Equatable {
    public var exchange: String
    public var type: String
    public var passive: Bool
    public var durable: Bool
    public var autoDelete: Bool
    public var `internal`: Bool
    public var noWait: Bool
    public var arguments: FieldTable

    public init(
        exchange: String, type: String, passive: Bool = false, durable: Bool = false, autoDelete: Bool = false,
        internal: Bool = false, noWait: Bool = false, arguments: FieldTable = [:]
    ) {
        self.exchange = exchange
        self.type = type
        self.passive = passive
        self.durable = durable
        self.autoDelete = autoDelete
        self.internal = `internal`
        self.noWait = noWait
        self.arguments = arguments
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard buffer.readInteger(as: UInt16.self) != nil, let exchange = try buffer.readAMQPShortString(),
            let type = try buffer.readAMQPShortString(), let bits = buffer.readInteger(as: UInt8.self),
            let arguments = try buffer.readAMQPFieldTable()
        else { return nil }
        self.init(
            exchange: exchange, type: type, passive: bits & 1 != 0, durable: bits & 2 != 0,
            autoDelete: bits & 4 != 0, internal: bits & 8 != 0, noWait: bits & 16 != 0, arguments: arguments)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(0))
        buffer.writeAMQPShortString(self.exchange)
        buffer.writeAMQPShortString(self.type)
        buffer.writeAMQPBits(self.passive, self.durable, self.autoDelete, self.internal, self.noWait)
        buffer.writeAMQPFieldTable(self.arguments)
    }
}

/// exchange.delete (40.20).
public struct AMQPExchangeDelete: Sendable, Equatable {
    public var exchange: String
    public var ifUnused: Bool
    public var noWait: Bool

    public init(exchange: String, ifUnused: Bool = false, noWait: Bool = false) {
        self.exchange = exchange
        self.ifUnused = ifUnused
        self.noWait = noWait
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard buffer.readInteger(as: UInt16.self) != nil, let exchange = try buffer.readAMQPShortString(),
            let bits = buffer.readInteger(as: UInt8.self)
        else { return nil }
        self.init(exchange: exchange, ifUnused: bits & 1 != 0, noWait: bits & 2 != 0)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(0))
        buffer.writeAMQPShortString(self.exchange)
        buffer.writeAMQPBits(self.ifUnused, self.noWait)
    }
}

/// exchange.bind (40.30, RabbitMQ): route from `source` to `destination`.
public struct AMQPExchangeBind: Sendable, Equatable {
    public var destination: String
    public var source: String
    public var routingKey: String
    public var noWait: Bool
    public var arguments: FieldTable

    public init(
        destination: String, source: String, routingKey: String, noWait: Bool = false, arguments: FieldTable = [:]
    ) {
        self.destination = destination
        self.source = source
        self.routingKey = routingKey
        self.noWait = noWait
        self.arguments = arguments
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard buffer.readInteger(as: UInt16.self) != nil, let destination = try buffer.readAMQPShortString(),
            let source = try buffer.readAMQPShortString(), let routingKey = try buffer.readAMQPShortString(),
            let bits = buffer.readInteger(as: UInt8.self), let arguments = try buffer.readAMQPFieldTable()
        else { return nil }
        self.init(
            destination: destination, source: source, routingKey: routingKey, noWait: bits & 1 != 0,
            arguments: arguments)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(0))
        buffer.writeAMQPShortString(self.destination)
        buffer.writeAMQPShortString(self.source)
        buffer.writeAMQPShortString(self.routingKey)
        buffer.writeAMQPBits(self.noWait)
        buffer.writeAMQPFieldTable(self.arguments)
    }
}

/// exchange.unbind (40.40, RabbitMQ). Same arguments as exchange.bind.
public struct AMQPExchangeUnbind: Sendable, Equatable {
    public var destination: String
    public var source: String
    public var routingKey: String
    public var noWait: Bool
    public var arguments: FieldTable

    public init(
        destination: String, source: String, routingKey: String, noWait: Bool = false, arguments: FieldTable = [:]
    ) {
        self.destination = destination
        self.source = source
        self.routingKey = routingKey
        self.noWait = noWait
        self.arguments = arguments
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let bind = try AMQPExchangeBind(reading: &buffer) else { return nil }
        self.init(
            destination: bind.destination, source: bind.source, routingKey: bind.routingKey, noWait: bind.noWait,
            arguments: bind.arguments)
    }

    func write(to buffer: inout ByteBuffer) {
        AMQPExchangeBind(
            destination: self.destination, source: self.source, routingKey: self.routingKey, noWait: self.noWait,
            arguments: self.arguments
        ).write(to: &buffer)
    }
}
