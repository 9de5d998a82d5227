/// The answer to a queue declaration (AMQP queue.declare-ok).
public struct QueueDeclareOK: Sendable, Equatable {
    public var queue: String
    /// Ready messages.
    public var messageCount: Int
    public var consumerCount: Int

    public init(queue: String, messageCount: Int, consumerCount: Int) {
        self.queue = queue
        self.messageCount = messageCount
        self.consumerCount = consumerCount
    }
}
