import JunctionAMQPCodec
import JunctionCore
import JunctionModel
import JunctionTransport
import NIOCore

/// Publishing on a channel: admission, routing, basic.return and publisher confirms (the rules are
/// `AMQPChannelStateMachine+Publishing`; this applies them).
extension AMQPChannelSession {
    func publishReceived(_ publish: AMQPBasicPublish, header: AMQPContentHeader, body: ByteBuffer) {
        self.connection.publishReceived()
        switch self.stateMachine.admit(publish, properties: header.properties, user: self.user.name) {
        case .route:
            guard let header = self.replacingReplyTo(header) else { return }
            self.route(publish, header: header, body: body)
        case .holdForCommit:
            guard let header = self.replacingReplyTo(header) else { return }
            let limit = self.connection.configuration.maxTransactionBytes
            guard self.transactionBytes + body.readableBytes <= limit else {
                // The channel closes, which drops the whole transaction: nothing of it is published.
                self.raise(
                    AMQPError(
                        .preconditionFailed,
                        "transaction holds more than \(limit) bytes (limits.max_transaction_bytes)",
                        classID: 60, methodID: 40))
                return
            }
            self.transactionBytes += body.readableBytes
            self.transactionPublishes.append((publish, header, body))
        case .refuse(let error):
            self.raise(error)
        }
    }

    func route(_ publish: AMQPBasicPublish, header: AMQPContentHeader, body: ByteBuffer) {
        let message = Message(
            exchange: publish.exchange,
            routingKey: publish.routingKey,
            properties: header.properties,
            body: body
        )
        let durability = self.virtualHost.durability
        let mark = durability.mark()
        let outcome: PublishOutcome
        do {
            outcome = try self.virtualHost.publish(message, access: self.access)
        } catch {
            self.raise(AMQPError(error, classID: 60, methodID: 40))
            return
        }
        let need = durability.need(since: mark)
        let pendingTicket: UInt64? = if case .sync(let ticket) = need { ticket } else { nil }
        let reply = self.stateMachine.routed(
            outcome, mandatory: publish.mandatory, storeFailed: need == .notStored, pendingTicket: pendingTicket)
        if reply.returnUnroutable {
            self.output.method(
                self.channelID,
                .basicReturn(
                    AMQPBasicReturn(
                        replyCode: AMQPReplyCode.noRoute.rawValue,
                        replyText: AMQPReplyCode.noRoute.name,
                        exchange: publish.exchange,
                        routingKey: publish.routingKey
                    )
                )
            )
            self.output.content(self.channelID, properties: header.properties, body: body)
            self.output.sink.scheduleFlush()
        }
        switch reply.confirm {
        case .none:
            break
        case .ack:
            _ = self.confirms.published(ticket: nil)
        case .ackWhenDurable(let ticket):
            _ = self.confirms.published(ticket: ticket)
            durability.wait(self)
        case .nack:
            self.nack(self.confirms.refused())
        }
    }

    private func nack(_ sequence: UInt64) {
        self.output.method(
            self.channelID,
            .basicNack(AMQPBasicNack(deliveryTag: sequence, multiple: false, requeue: false))
        )
        self.output.sink.scheduleFlush()
    }

    /// End of a read burst: confirm every publish of it with one cumulative ack.
    func readBurstEnded() {
        guard let sequence = self.confirms.takeAck(), self.stateMachine.isOpen else { return }
        self.output.method(self.channelID, .basicAck(AMQPBasicAck(deliveryTag: sequence, multiple: true)))
    }
}

extension AMQPChannelSession: DurabilityWaiter {
    func durabilityAdvanced(to ticket: UInt64) {
        self.confirms.durable(through: ticket)
        if self.confirms.isWaitingForDisk {
            self.virtualHost.durability.wait(self)
        }
        self.readBurstEnded()
        self.output.sink.scheduleFlush()
    }

    func durabilityFailed() {
        for sequence in self.confirms.failWaiting() {
            self.nack(sequence)
        }
    }
}
