public import JunctionModel
import NIOCore

// Arguments of the queue class (50), AMQP 0-9-1 §1.7.2.
// The reserved ticket short that opens the client methods is skipped on decode and written as 0.

/// queue.declare (50.10).
public struct AMQPQueueDeclare: Sendable, Equatable {
    /// Empty asks the server to name the queue.
    public var queue: String
    public var passive: Bool
    public var durable: Bool
    public var exclusive: Bool
    public var autoDelete: Bool
    public var noWait: Bool
    public var arguments: FieldTable

    public init(
        queue: String, passive: Bool = false, durable: Bool = false, exclusive: Bool = false,
        autoDelete: Bool = false, noWait: Bool = false, arguments: FieldTable = [:]
    ) {
        self.queue = queue
        self.passive = passive
        self.durable = durable
        self.exclusive = exclusive
        self.autoDelete = autoDelete
        self.noWait = noWait
        self.arguments = arguments
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard buffer.readInteger(as: UInt16.self) != nil, let queue = try buffer.readAMQPShortString(),
            let bits = buffer.readInteger(as: UInt8.self), let arguments = try buffer.readAMQPFieldTable()
        else { return nil }
        self.init(
            queue: queue, passive: bits & 1 != 0, durable: bits & 2 != 0, exclusive: bits & 4 != 0,
            autoDelete: bits & 8 != 0, noWait: bits & 16 != 0, arguments: arguments)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(0))
        buffer.writeAMQPShortString(self.queue)
        buffer.writeAMQPBits(self.passive, self.durable, self.exclusive, self.autoDelete, self.noWait)
        buffer.writeAMQPFieldTable(self.arguments)
    }
}

/// queue.declare-ok (50.11).
public struct AMQPQueueDeclareOk: Sendable, Equatable {
    public var queue: String
    /// Ready messages.
    public var messageCount: UInt32
    public var consumerCount: UInt32

    public init(queue: String, messageCount: UInt32, consumerCount: UInt32) {
        self.queue = queue
        self.messageCount = messageCount
        self.consumerCount = consumerCount
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let queue = try buffer.readAMQPShortString(), let messageCount = buffer.readInteger(as: UInt32.self),
            let consumerCount = buffer.readInteger(as: UInt32.self)
        else { return nil }
        self.init(queue: queue, messageCount: messageCount, consumerCount: consumerCount)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeAMQPShortString(self.queue)
        buffer.writeInteger(self.messageCount)
        buffer.writeInteger(self.consumerCount)
    }
}

/// queue.bind (50.20).
public struct AMQPQueueBind: Sendable, Equatable {
    public var queue: String
    public var exchange: String
    public var routingKey: String
    public var noWait: Bool
    public var arguments: FieldTable

    public init(queue: String, exchange: String, routingKey: String, noWait: Bool = false, arguments: FieldTable = [:])
    {
        self.queue = queue
        self.exchange = exchange
        self.routingKey = routingKey
        self.noWait = noWait
        self.arguments = arguments
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard buffer.readInteger(as: UInt16.self) != nil, let queue = try buffer.readAMQPShortString(),
            let exchange = try buffer.readAMQPShortString(), let routingKey = try buffer.readAMQPShortString(),
            let bits = buffer.readInteger(as: UInt8.self), let arguments = try buffer.readAMQPFieldTable()
        else { return nil }
        self.init(queue: queue, exchange: exchange, routingKey: routingKey, noWait: bits & 1 != 0, arguments: arguments)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(0))
        buffer.writeAMQPShortString(self.queue)
        buffer.writeAMQPShortString(self.exchange)
        buffer.writeAMQPShortString(self.routingKey)
        buffer.writeAMQPBits(self.noWait)
        buffer.writeAMQPFieldTable(self.arguments)
    }
}

/// queue.unbind (50.50). It has no no-wait bit.
public struct AMQPQueueUnbind: Sendable, Equatable {
    public var queue: String
    public var exchange: String
    public var routingKey: String
    public var arguments: FieldTable

    public init(queue: String, exchange: String, routingKey: String, arguments: FieldTable = [:]) {
        self.queue = queue
        self.exchange = exchange
        self.routingKey = routingKey
        self.arguments = arguments
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard buffer.readInteger(as: UInt16.self) != nil, let queue = try buffer.readAMQPShortString(),
            let exchange = try buffer.readAMQPShortString(), let routingKey = try buffer.readAMQPShortString(),
            let arguments = try buffer.readAMQPFieldTable()
        else { return nil }
        self.init(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(0))
        buffer.writeAMQPShortString(self.queue)
        buffer.writeAMQPShortString(self.exchange)
        buffer.writeAMQPShortString(self.routingKey)
        buffer.writeAMQPFieldTable(self.arguments)
    }
}

/// queue.purge (50.30).
public struct AMQPQueuePurge: Sendable, Equatable {
    public var queue: String
    public var noWait: Bool

    public init(queue: String, noWait: Bool = false) {
        self.queue = queue
        self.noWait = noWait
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard buffer.readInteger(as: UInt16.self) != nil, let queue = try buffer.readAMQPShortString(),
            let bits = buffer.readInteger(as: UInt8.self)
        else { return nil }
        self.init(queue: queue, noWait: bits & 1 != 0)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(0))
        buffer.writeAMQPShortString(self.queue)
        buffer.writeAMQPBits(self.noWait)
    }
}

/// queue.delete (50.40).
public struct AMQPQueueDelete: Sendable, Equatable {
    public var queue: String
    public var ifUnused: Bool
    public var ifEmpty: Bool
    public var noWait: Bool

    public init(queue: String, ifUnused: Bool = false, ifEmpty: Bool = false, noWait: Bool = false) {
        self.queue = queue
        self.ifUnused = ifUnused
        self.ifEmpty = ifEmpty
        self.noWait = noWait
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard buffer.readInteger(as: UInt16.self) != nil, let queue = try buffer.readAMQPShortString(),
            let bits = buffer.readInteger(as: UInt8.self)
        else { return nil }
        self.init(queue: queue, ifUnused: bits & 1 != 0, ifEmpty: bits & 2 != 0, noWait: bits & 4 != 0)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(0))
        buffer.writeAMQPShortString(self.queue)
        buffer.writeAMQPBits(self.ifUnused, self.ifEmpty, self.noWait)
    }
}
