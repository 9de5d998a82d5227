/// What became of a published message.
public enum PublishOutcome: Sendable, Equatable {
    /// Routed to at least one queue; `queueCount` queues accepted it. `queueCount` is 0 when every
    /// matching queue refused it (`x-overflow: reject-publish` at its limit): a publisher confirm is
    /// then a nack, and the message is not returned as unroutable.
    case routed(queueCount: Int)
    /// No binding matched (AMQP: basic.return when mandatory).
    case unroutable
}
