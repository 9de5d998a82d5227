import JunctionAMQPCodec
import JunctionCore
import JunctionModel

/// The rules of a channel's mode (confirm or tx), and what a publish gets back: basic.return,
/// confirm ack or nack. Pure: the session carries out the answers.
extension AMQPChannelStateMachine {
    /// confirm.select (85.10).
    mutating func selectConfirmMode() throws(AMQPError) {
        guard self.mode != .transactional else {
            throw AMQPError(.preconditionFailed, "cannot switch from tx to confirm mode", classID: 85, methodID: 10)
        }
        self.mode = .confirm
    }

    /// tx.select (90.10).
    mutating func selectTransactionMode() throws(AMQPError) {
        guard self.mode != .confirm else {
            throw AMQPError(.preconditionFailed, "cannot switch from confirm to tx mode", classID: 90, methodID: 10)
        }
        self.mode = .transactional
    }

    /// tx.commit (90.20) and tx.rollback (90.30) need a transactional channel.
    func requireTransactionMode(methodID: UInt16) throws(AMQPError) {
        guard self.mode == .transactional else {
            throw AMQPError(.preconditionFailed, "channel is not transactional", classID: 90, methodID: methodID)
        }
    }

    /// A complete publish from a client logged in as `user`.
    func admit(_ publish: AMQPBasicPublish, properties: MessageProperties, user: String) -> AMQPPublishAdmission {
        if publish.immediate {
            // RabbitMQ dropped `immediate` in 3.0 and closes the connection.
            return .refuse(AMQPError(.notImplemented, "immediate=true", classID: 60, methodID: 40))
        }
        if let userID = properties.userID, userID != user {
            return .refuse(
                AMQPError(
                    .preconditionFailed,
                    "user_id property set to '\(userID)' but authenticated user was '\(user)'",
                    classID: 60,
                    methodID: 40
                )
            )
        }
        return self.mode == .transactional ? .holdForCommit : .route
    }

    /// A publish was routed with `outcome`. `storeFailed`: a durable queue's store failed the append;
    /// `pendingTicket`: the durability ticket the append still waits for, nil when none.
    func routed(
        _ outcome: PublishOutcome,
        mandatory: Bool,
        storeFailed: Bool,
        pendingTicket: UInt64?
    ) -> AMQPPublishReply {
        let returned = outcome == .unroutable && mandatory
        guard self.mode == .confirm else { return AMQPPublishReply(returnUnroutable: returned, confirm: .none) }
        let confirm: AMQPPublishReply.Confirm
        if outcome == .routed(queueCount: 0) || storeFailed {
            // Every target queue refused it (x-overflow reject-publish), or the disk did: RabbitMQ nacks.
            confirm = .nack
        } else if let pendingTicket {
            confirm = .ackWhenDurable(ticket: pendingTicket)
        } else {
            // Unroutable publishes are confirmed too (after their basic.return), as RabbitMQ does.
            confirm = .ack
        }
        return AMQPPublishReply(returnUnroutable: returned, confirm: confirm)
    }
}
