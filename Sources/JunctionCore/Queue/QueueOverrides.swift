/// Settings that an API which owns its queues' configuration changes after declaration, replacing what the
/// queue's arguments say. AMQP arguments never change once a queue exists (a redeclaration must match them),
/// but SQS's `SetQueueAttributes` changes a queue's retention and redrive policy at any time; the SQS
/// adapter keeps those attributes in its own store and sets them here again at start-up. The MQTT adapter
/// sets the length limits of its session queues to the current `mqtt.max_queued_*` at every start.
///
/// Each of TTL, dead-lettering and delivery limit replaces the argument of the same meaning, nil included:
/// a queue declared with `x-delivery-limit` whose overrides say `deliveryLimit: nil` has no delivery limit
/// (unless made with `init(lengthLimits:)`, which keeps them). Policies then apply on top, as they do to
/// arguments (`QueueArguments.applying`).
public struct QueueOverrides: Equatable, Sendable {
    /// Replaces `x-message-ttl` (milliseconds); applies to messages enqueued afterwards, as a policy does.
    public var messageTTL: UInt64?
    /// Replaces `x-dead-letter-exchange` and `x-dead-letter-routing-key` (nil: no dead-lettering).
    public var deadLetter: (exchange: String, routingKey: String?)?
    /// Replaces `x-delivery-limit`: a message returned more than this many times is dead-lettered.
    public var deliveryLimit: Int?
    /// Replaces `x-max-length`, `x-max-length-bytes` and `x-overflow` together. Unlike the fields above,
    /// nil here keeps the arguments' own: the MQTT adapter sets it so that session queues declared under
    /// older `mqtt.max_queued_*` limits follow the current ones.
    public var lengthLimits: QueueLengthLimits?

    public init(
        messageTTL: UInt64?, deadLetter: (exchange: String, routingKey: String?)?, deliveryLimit: Int?,
        lengthLimits: QueueLengthLimits? = nil
    ) {
        self.messageTTL = messageTTL
        self.deadLetter = deadLetter
        self.deliveryLimit = deliveryLimit
        self.lengthLimits = lengthLimits
    }

    /// Overrides of the length limits alone (every other setting stays the arguments').
    public init(lengthLimits: QueueLengthLimits) {
        self.init(messageTTL: nil, deadLetter: nil, deliveryLimit: nil, lengthLimits: lengthLimits)
        self.keepsOtherArguments = true
    }

    /// Set by `init(lengthLimits:)`: TTL, dead-lettering and delivery limit stay as the arguments say.
    var keepsOtherArguments = false

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.messageTTL == rhs.messageTTL && lhs.deliveryLimit == rhs.deliveryLimit
            && lhs.lengthLimits == rhs.lengthLimits && lhs.keepsOtherArguments == rhs.keepsOtherArguments
            && lhs.deadLetter?.exchange == rhs.deadLetter?.exchange
            && lhs.deadLetter?.routingKey == rhs.deadLetter?.routingKey
    }
}

/// A queue's length limits as `x-max-length`, `x-max-length-bytes` and `x-overflow` give them (nil: no
/// limit of that kind).
public struct QueueLengthLimits: Equatable, Sendable {
    public var maxLength: Int?
    public var maxLengthBytes: Int?
    public var overflow: QueueOverflow

    public init(maxLength: Int?, maxLengthBytes: Int?, overflow: QueueOverflow) {
        self.maxLength = maxLength
        self.maxLengthBytes = maxLengthBytes
        self.overflow = overflow
    }
}

extension QueueArguments {
    /// These arguments with `overrides` in place of the ones they replace.
    func overridden(by overrides: QueueOverrides?) -> QueueArguments {
        guard let overrides else { return self }
        var result = self
        if !overrides.keepsOtherArguments {
            result.messageTTL = overrides.messageTTL
            result.deadLetterExchange = overrides.deadLetter?.exchange
            result.deadLetterRoutingKey = overrides.deadLetter?.routingKey
            result.deliveryLimit = overrides.deliveryLimit
        }
        if let limits = overrides.lengthLimits {
            result.maxLength = limits.maxLength
            result.maxLengthBytes = limits.maxLengthBytes
            result.setOverflow(limits.overflow)
        }
        return result
    }

    /// The queue's length limits as its arguments give them.
    var lengthLimits: QueueLengthLimits {
        QueueLengthLimits(maxLength: self.maxLength, maxLengthBytes: self.maxLengthBytes, overflow: self.overflow)
    }
}

extension MessageQueue {
    /// The length limits the queue was declared with (before overrides and policies).
    public var declaredLengthLimits: QueueLengthLimits { self.argumentSettings.lengthLimits }
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
