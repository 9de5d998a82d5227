import JunctionAMQPCodec
import JunctionCore
import NIOCore

/// The tx class in the engine: what a transactional channel held (publishes, acks, rejects) is
/// applied at tx.commit and dropped at tx.rollback. The channel state machine decides the mode.
extension AMQPChannelSession {
    /// Routes the held publishes, then applies the held settlements, then tx.commit-ok.
    func commitTransaction() {
        let publishes = self.transactionPublishes
        let settlements = self.transactionSettlements
        self.rollbackTransaction()
        for (publish, header, body) in publishes {
            guard self.stateMachine.isOpen else { return }
            self.route(publish, header: header, body: body)
        }
        for settlement in settlements {
            // Tags were checked when received; one settled twice in the same transaction is ignored.
            switch settlement {
            case .ack(let tag, let multiple):
                (self.unacked.settle(tag: tag, multiple: multiple) ?? []).acknowledge()
            case .reject(let tag, let multiple, let requeue):
                (self.unacked.settle(tag: tag, multiple: multiple) ?? []).reject(requeue: requeue)
            }
        }
        if self.stateMachine.isOpen { self.send(.txCommitOk) }
    }

    /// Drops what the transaction held. Withdrawn acks leave their deliveries unacked under the
    /// same tags, as RabbitMQ does.
    func rollbackTransaction() {
        self.transactionPublishes.removeAll()
        self.transactionBytes = 0
        self.transactionSettlements.removeAll()
    }
}
