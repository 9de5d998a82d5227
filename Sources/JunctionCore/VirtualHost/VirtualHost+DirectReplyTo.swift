public import JunctionModel

/// A consumer of RabbitMQ's direct reply-to pseudo-queue: replies go straight to it, without a queue.
public protocol DirectReplyConsumer: AnyObject {
    /// A reply published to this consumer's address. Delivered at most once, never stored.
    func deliverReply(_ message: Message)
}

/// RabbitMQ's direct reply-to names.
public enum DirectReplyTo {
    /// What a requester consumes (in no-ack mode) and puts in `reply_to`.
    public static let pseudoQueue = "amq.rabbitmq.reply-to"
    static let addressPrefix = "amq.rabbitmq.reply-to."
}

struct WeakReplyConsumer {
    weak var consumer: (any DirectReplyConsumer)?
}

extension VirtualHost {
    /// Registers a requester; returns its reply address `amq.rabbitmq.reply-to.<token>`, the
    /// `reply_to` its requests carry and the routing key replies are published with (default exchange).
    public func registerReplyConsumer(_ consumer: any DirectReplyConsumer) -> String {
        var generator = SystemRandomNumberGenerator()
        while true {
            let token = (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }.joined()
            let address = DirectReplyTo.addressPrefix + token
            if self.replyConsumers[address] == nil {
                self.replyConsumers[address] = WeakReplyConsumer(consumer: consumer)
                return address
            }
        }
    }

    public func unregisterReplyConsumer(address: String) {
        self.replyConsumers[address] = nil
    }

    /// A publish to the default exchange that matched no queue: a direct reply when its key is a
    /// live reply address, else unroutable (the requester's channel is gone).
    func deliverReply(_ message: Message) -> PublishOutcome {
        guard message.routingKey.hasPrefix(DirectReplyTo.addressPrefix),
            let consumer = self.replyConsumers[message.routingKey]?.consumer
        else { return .unroutable }
        consumer.deliverReply(message)
        return .routed(queueCount: 1)
    }
}
