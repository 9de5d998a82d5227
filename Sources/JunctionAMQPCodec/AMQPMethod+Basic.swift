public import JunctionModel
import NIOCore

// Arguments of the basic class (60), AMQP 0-9-1 §1.8.2 and RabbitMQ's basic.nack.
// The reserved ticket short that opens the client methods is skipped on decode and written as 0.

/// basic.qos (60.10).
public struct AMQPBasicQos: Sendable, Equatable {
    /// Window in bytes; 0 means no limit (RabbitMQ rejects anything else).
    public var prefetchSize: UInt32
    /// Unacknowledged messages; 0 means no limit.
    public var prefetchCount: UInt16
    /// RabbitMQ: true applies the limit to the channel, false to each new consumer.
    public var global: Bool

    public init(prefetchSize: UInt32 = 0, prefetchCount: UInt16, global: Bool = false) {
        self.prefetchSize = prefetchSize
        self.prefetchCount = prefetchCount
        self.global = global
    }

    init?(reading buffer: inout ByteBuffer) {
        guard let size = buffer.readInteger(as: UInt32.self), let count = buffer.readInteger(as: UInt16.self),
            let bits = buffer.readInteger(as: UInt8.self)
        else { return nil }
        self.init(prefetchSize: size, prefetchCount: count, global: bits & 1 != 0)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.prefetchSize)
        buffer.writeInteger(self.prefetchCount)
        buffer.writeAMQPBits(self.global)
    }
}

/// basic.consume (60.20).
public struct AMQPBasicConsume: Sendable, Equatable {
    public var queue: String
    /// Empty asks the server to generate one.
    public var consumerTag: String
    public var noLocal: Bool
    public var noAck: Bool
    public var exclusive: Bool
    public var noWait: Bool
    public var arguments: FieldTable

    public init(
        queue: String, consumerTag: String = "", noLocal: Bool = false, noAck: Bool = false, exclusive: Bool = false,
        noWait: Bool = false, arguments: FieldTable = [:]
    ) {
        self.queue = queue
        self.consumerTag = consumerTag
        self.noLocal = noLocal
        self.noAck = noAck
        self.exclusive = exclusive
        self.noWait = noWait
        self.arguments = arguments
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard buffer.readInteger(as: UInt16.self) != nil, let queue = try buffer.readAMQPShortString(),
            let tag = try buffer.readAMQPShortString(), let bits = buffer.readInteger(as: UInt8.self),
            let arguments = try buffer.readAMQPFieldTable()
        else { return nil }
        self.init(
            queue: queue, consumerTag: tag, noLocal: bits & 1 != 0, noAck: bits & 2 != 0, exclusive: bits & 4 != 0,
            noWait: bits & 8 != 0, arguments: arguments)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(0))
        buffer.writeAMQPShortString(self.queue)
        buffer.writeAMQPShortString(self.consumerTag)
        buffer.writeAMQPBits(self.noLocal, self.noAck, self.exclusive, self.noWait)
        buffer.writeAMQPFieldTable(self.arguments)
    }
}

/// basic.cancel (60.30); RabbitMQ also sends it to a consumer whose queue went away.
public struct AMQPBasicCancel: Sendable, Equatable {
    public var consumerTag: String
    public var noWait: Bool

    public init(consumerTag: String, noWait: Bool = false) {
        self.consumerTag = consumerTag
        self.noWait = noWait
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let tag = try buffer.readAMQPShortString(), let bits = buffer.readInteger(as: UInt8.self) else {
            return nil
        }
        self.init(consumerTag: tag, noWait: bits & 1 != 0)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeAMQPShortString(self.consumerTag)
        buffer.writeAMQPBits(self.noWait)
    }
}

/// basic.publish (60.40), followed by a content header and body frames.
public struct AMQPBasicPublish: Sendable, Equatable {
    public var exchange: String
    public var routingKey: String
    public var mandatory: Bool
    public var immediate: Bool

    public init(exchange: String, routingKey: String, mandatory: Bool = false, immediate: Bool = false) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.mandatory = mandatory
        self.immediate = immediate
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        var names = AMQPPublishNameCache()
        try self.init(reading: &buffer, names: &names)
    }

    /// Decodes with the names of the connection's previous publish at hand (see `AMQPPublishNameCache`).
    init?(reading buffer: inout ByteBuffer, names: inout AMQPPublishNameCache) throws(AMQPDecodingError) {
        guard buffer.readInteger(as: UInt16.self) != nil,
            let exchange = try names.exchange.readAMQPShortString(from: &buffer),
            let routingKey = try names.routingKey.readAMQPShortString(from: &buffer),
            let bits = buffer.readInteger(as: UInt8.self)
        else { return nil }
        self.init(exchange: exchange, routingKey: routingKey, mandatory: bits & 1 != 0, immediate: bits & 2 != 0)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(0))
        buffer.writeAMQPShortString(self.exchange)
        buffer.writeAMQPShortString(self.routingKey)
        buffer.writeAMQPBits(self.mandatory, self.immediate)
    }
}

/// basic.return (60.50): an unroutable mandatory message, followed by its content.
public struct AMQPBasicReturn: Sendable, Equatable {
    public var replyCode: UInt16
    public var replyText: String
    public var exchange: String
    public var routingKey: String

    public init(replyCode: UInt16, replyText: String, exchange: String, routingKey: String) {
        self.replyCode = replyCode
        self.replyText = replyText
        self.exchange = exchange
        self.routingKey = routingKey
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let code = buffer.readInteger(as: UInt16.self), let text = try buffer.readAMQPShortString(),
            let exchange = try buffer.readAMQPShortString(), let routingKey = try buffer.readAMQPShortString()
        else { return nil }
        self.init(replyCode: code, replyText: text, exchange: exchange, routingKey: routingKey)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.replyCode)
        buffer.writeAMQPShortString(self.replyText)
        buffer.writeAMQPShortString(self.exchange)
        buffer.writeAMQPShortString(self.routingKey)
    }
}

/// basic.deliver (60.60), followed by its content.
public struct AMQPBasicDeliver: Sendable, Equatable {
    public var consumerTag: String
    /// Per channel, starting at 1.
    public var deliveryTag: UInt64
    public var redelivered: Bool
    public var exchange: String
    public var routingKey: String

    public init(consumerTag: String, deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String) {
        self.consumerTag = consumerTag
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let tag = try buffer.readAMQPShortString(), let deliveryTag = buffer.readInteger(as: UInt64.self),
            let bits = buffer.readInteger(as: UInt8.self), let exchange = try buffer.readAMQPShortString(),
            let routingKey = try buffer.readAMQPShortString()
        else { return nil }
        self.init(
            consumerTag: tag, deliveryTag: deliveryTag, redelivered: bits & 1 != 0, exchange: exchange,
            routingKey: routingKey)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeAMQPBasicDeliverArguments(
            consumerTag: self.consumerTag, deliveryTag: self.deliveryTag, redelivered: self.redelivered,
            exchange: self.exchange, routingKey: self.routingKey)
    }
}

/// basic.get (60.70).
public struct AMQPBasicGet: Sendable, Equatable {
    public var queue: String
    public var noAck: Bool

    public init(queue: String, noAck: Bool = false) {
        self.queue = queue
        self.noAck = noAck
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard buffer.readInteger(as: UInt16.self) != nil, let queue = try buffer.readAMQPShortString(),
            let bits = buffer.readInteger(as: UInt8.self)
        else { return nil }
        self.init(queue: queue, noAck: bits & 1 != 0)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(0))
        buffer.writeAMQPShortString(self.queue)
        buffer.writeAMQPBits(self.noAck)
    }
}

/// basic.get-ok (60.71), followed by its content.
public struct AMQPBasicGetOk: Sendable, Equatable {
    public var deliveryTag: UInt64
    public var redelivered: Bool
    public var exchange: String
    public var routingKey: String
    /// Ready messages left in the queue.
    public var messageCount: UInt32

    public init(deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String, messageCount: UInt32) {
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
        self.messageCount = messageCount
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let deliveryTag = buffer.readInteger(as: UInt64.self), let bits = buffer.readInteger(as: UInt8.self),
            let exchange = try buffer.readAMQPShortString(), let routingKey = try buffer.readAMQPShortString(),
            let messageCount = buffer.readInteger(as: UInt32.self)
        else { return nil }
        self.init(
            deliveryTag: deliveryTag, redelivered: bits & 1 != 0, exchange: exchange, routingKey: routingKey,
            messageCount: messageCount)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.deliveryTag)
        buffer.writeAMQPBits(self.redelivered)
        buffer.writeAMQPShortString(self.exchange)
        buffer.writeAMQPShortString(self.routingKey)
        buffer.writeInteger(self.messageCount)
    }
}

/// basic.ack (60.80); sent by the server too, to confirm publishes.
public struct AMQPBasicAck: Sendable, Equatable {
    public var deliveryTag: UInt64
    /// Up to and including `deliveryTag`; with tag 0, everything outstanding.
    public var multiple: Bool

    public init(deliveryTag: UInt64, multiple: Bool = false) {
        self.deliveryTag = deliveryTag
        self.multiple = multiple
    }

    init?(reading buffer: inout ByteBuffer) {
        guard let tag = buffer.readInteger(as: UInt64.self), let bits = buffer.readInteger(as: UInt8.self) else {
            return nil
        }
        self.init(deliveryTag: tag, multiple: bits & 1 != 0)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.deliveryTag)
        buffer.writeAMQPBits(self.multiple)
    }
}

/// basic.reject (60.90).
public struct AMQPBasicReject: Sendable, Equatable {
    public var deliveryTag: UInt64
    public var requeue: Bool

    public init(deliveryTag: UInt64, requeue: Bool) {
        self.deliveryTag = deliveryTag
        self.requeue = requeue
    }

    init?(reading buffer: inout ByteBuffer) {
        guard let tag = buffer.readInteger(as: UInt64.self), let bits = buffer.readInteger(as: UInt8.self) else {
            return nil
        }
        self.init(deliveryTag: tag, requeue: bits & 1 != 0)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.deliveryTag)
        buffer.writeAMQPBits(self.requeue)
    }
}

/// basic.nack (60.120, RabbitMQ).
public struct AMQPBasicNack: Sendable, Equatable {
    public var deliveryTag: UInt64
    public var multiple: Bool
    public var requeue: Bool

    public init(deliveryTag: UInt64, multiple: Bool = false, requeue: Bool = true) {
        self.deliveryTag = deliveryTag
        self.multiple = multiple
        self.requeue = requeue
    }

    init?(reading buffer: inout ByteBuffer) {
        guard let tag = buffer.readInteger(as: UInt64.self), let bits = buffer.readInteger(as: UInt8.self) else {
            return nil
        }
        self.init(deliveryTag: tag, multiple: bits & 1 != 0, requeue: bits & 2 != 0)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.deliveryTag)
        buffer.writeAMQPBits(self.multiple, self.requeue)
    }
}

extension ByteBuffer {
    /// basic.deliver's arguments, shared by the struct and the enum-free hot path.
    mutating func writeAMQPBasicDeliverArguments(
        consumerTag: String, deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String
    ) {
        self.writeAMQPShortString(consumerTag)
        self.writeInteger(deliveryTag)
        self.writeAMQPBits(redelivered)
        self.writeAMQPShortString(exchange)
        self.writeAMQPShortString(routingKey)
    }
}
