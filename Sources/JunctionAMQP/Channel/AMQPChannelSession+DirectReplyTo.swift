import JunctionAMQPCodec
import JunctionCore
import JunctionModel
import JunctionTransport

/// RabbitMQ's direct reply-to: the channel consumes the pseudo-queue `amq.rabbitmq.reply-to` in
/// no-ack mode; its publishes with that `reply_to` carry the channel's own reply address instead,
/// and a publish to the default exchange with that address as routing key comes straight here.
extension AMQPChannelSession: DirectReplyConsumer {
    func consumeReplies(_ consume: AMQPBasicConsume, tag: String) throws(AMQPError) {
        guard consume.noAck else {
            throw AMQPError(.preconditionFailed, "reply consumer cannot acknowledge", classID: 60, methodID: 20)
        }
        guard self.replyConsumer == nil else {
            throw AMQPError(.preconditionFailed, "reply consumer already set", classID: 60, methodID: 20)
        }
        let address = self.virtualHost.registerReplyConsumer(self)
        self.replyConsumer = (tag, address)
        if !consume.noWait { self.send(.basicConsumeOk(consumerTag: tag)) }
    }

    /// Cancel or teardown: replies to the address become unroutable.
    func stopReplies() {
        guard let (_, address) = self.replyConsumer else { return }
        self.virtualHost.unregisterReplyConsumer(address: address)
        self.replyConsumer = nil
    }

    /// A publish whose `reply_to` is the pseudo-queue gets this channel's address; without a reply
    /// consumer on the channel it is 406 (RabbitMQ's words). Nil when the channel was closed.
    func replacingReplyTo(_ header: AMQPContentHeader) -> AMQPContentHeader? {
        guard header.properties.replyTo == DirectReplyTo.pseudoQueue else { return header }
        guard let (_, address) = self.replyConsumer else {
            self.raise(
                AMQPError(.preconditionFailed, "fast reply consumer does not exist", classID: 60, methodID: 40))
            return nil
        }
        var rewritten = header
        rewritten.properties.replyTo = address
        return rewritten
    }

    func deliverReply(_ message: Message) {
        guard let (tag, _) = self.replyConsumer, self.stateMachine.isOpen else { return }
        self.output.delivery(
            self.channelID, consumerTag: tag, deliveryTag: self.unacked.nextUntrackedTag(), redelivered: false,
            message: message)
        self.output.sink.scheduleFlush()
    }
}
