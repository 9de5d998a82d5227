import JunctionCore

/// How a channel treats its publishes and acks (RabbitMQ's confirm extension and the tx class).
/// A channel enters one of the two modes for good, and the two exclude each other.
enum AMQPChannelMode: Equatable {
    case normal
    /// confirm.select: every publish is acked or nacked by sequence number.
    case confirm
    /// tx.select: publishes and acks are held until tx.commit.
    case transactional
}

/// What happens to a complete publish before it is routed.
enum AMQPPublishAdmission: Equatable {
    case route
    /// A transactional channel keeps it until tx.commit.
    case holdForCommit
    /// Refused with this error (it says whether the channel or the connection closes).
    case refuse(AMQPError)
}

/// What the publisher hears about a publish once the engine routed it.
struct AMQPPublishReply: Equatable {
    enum Confirm: Equatable {
        /// Not in confirm mode.
        case none
        /// Confirmable now (acked with the rest of the read burst).
        case ack
        /// Confirmable once the store made `ticket` durable.
        case ackWhenDurable(ticket: UInt64)
        /// Refused: nacked at once.
        case nack
    }

    /// A mandatory publish that no binding matched goes back as basic.return.
    var returnUnroutable: Bool
    var confirm: Confirm
}
