/// Settings that an API which owns its queues' configuration changes after declaration, replacing what the
/// queue's arguments say. AMQP arguments never change once a queue exists (a redeclaration must match them),
/// but SQS's `SetQueueAttributes` changes a queue's retention and redrive policy at any time; the SQS
/// adapter keeps those attributes in its own store and sets them here again at start-up.
///
/// Each field replaces the argument of the same meaning, nil included: a queue declared with
/// `x-delivery-limit` whose overrides say `deliveryLimit: nil` has no delivery limit. Policies then apply
/// on top, as they do to arguments (`QueueArguments.applying`).
public struct QueueOverrides: Equatable, Sendable {
    /// Replaces `x-message-ttl` (milliseconds); applies to messages enqueued afterwards, as a policy does.
    public var messageTTL: UInt64?
    /// Replaces `x-dead-letter-exchange` and `x-dead-letter-routing-key` (nil: no dead-lettering).
    public var deadLetter: (exchange: String, routingKey: String?)?
    /// Replaces `x-delivery-limit`: a message returned more than this many times is dead-lettered.
    public var deliveryLimit: Int?

    public init(messageTTL: UInt64?, deadLetter: (exchange: String, routingKey: String?)?, deliveryLimit: Int?) {
        self.messageTTL = messageTTL
        self.deadLetter = deadLetter
        self.deliveryLimit = deliveryLimit
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.messageTTL == rhs.messageTTL && lhs.deliveryLimit == rhs.deliveryLimit
            && lhs.deadLetter?.exchange == rhs.deadLetter?.exchange
            && lhs.deadLetter?.routingKey == rhs.deadLetter?.routingKey
    }
}

extension QueueArguments {
    /// These arguments with `overrides` in place of the ones they replace.
    func overridden(by overrides: QueueOverrides?) -> QueueArguments {
        guard let overrides else { return self }
        var result = self
        result.messageTTL = overrides.messageTTL
        result.deadLetterExchange = overrides.deadLetter?.exchange
        result.deadLetterRoutingKey = overrides.deadLetter?.routingKey
        result.deliveryLimit = overrides.deliveryLimit
        return result
    }
}

extension VirtualHost {
    /// Sets (or, with nil, clears) the overrides of a queue and derives its settings again at once.
    /// - Throws: `.notFound` for a stream, whose retention and limits are not a queue's.
    public func setOverrides(_ overrides: QueueOverrides?, of queue: MessageQueue) throws(BrokerError) {
        guard !queue.isStream else {
            throw .preconditionFailed("'\(queue.name)' is a stream: its settings cannot be overridden")
        }
        queue.overrides = overrides
        self.applyPolicies(to: queue)
    }
}
