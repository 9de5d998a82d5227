import JunctionModel

/// What a queue does with a message that would pass `x-max-length` / `x-max-length-bytes` (`x-overflow`).
public enum QueueOverflow: String, Sendable, Hashable {
    case dropHead = "drop-head"
    case rejectPublish = "reject-publish"
    case rejectPublishDLX = "reject-publish-dlx"
}

/// The queue arguments the engine acts on, validated once at declare time. Comparing two values
/// is the equivalence check of a redeclaration (integer widths do not matter; ignored and non-`x-`
/// arguments do not count). Which `x-` arguments exist is `QueueArgumentTable`.
struct QueueArguments: Equatable {
    typealias Overflow = QueueOverflow

    var messageTTL: UInt64?
    var expires: UInt64?
    var maxLength: Int?
    var maxLengthBytes: Int?
    var overflow: Overflow = .dropHead
    /// Whether `x-overflow` was given (a policy's `overflow` applies only when it was not).
    private var overflowIsSet = false
    var deadLetterExchange: String?
    var deadLetterRoutingKey: String?
    /// Set for `x-queue-type: stream`.
    var stream: StreamArguments?
    /// `x-partitions` of a stream: a partitioned stream of that many partitions.
    var partitions: Int?
    /// `x-queue-type: quorum`: a durable classic queue on this one node (see the AMQP README).
    var isQuorum = false
    /// `x-delivery-limit` of a quorum queue (or a policy's `delivery-limit`): a message returned
    /// more than this many times is dead-lettered (`delivery_limit`) or dropped.
    var deliveryLimit: Int?
    /// `x-single-active-consumer: true`: one consumer at a time, the others wait in registration order.
    var singleActiveConsumer = false
    /// `x-max-priority` (0...255) of a classic queue: one FIFO per priority 0...max (`ReadyMessages`).
    var maxPriority: Int?
    /// `x-message-deduplication: true` and its cache limits (`QueueArguments+Deduplication`).
    var deduplication: DeduplicationSettings?
    /// `x-message-groups: true`: one unacknowledged message per `x-group-id` at a time (`MessageQueue+Groups`).
    var messageGroups = false

    /// `x-overflow` set after declaration (an override): it counts as given, so a policy does not replace it.
    mutating func setOverflow(_ overflow: Overflow) {
        self.overflow = overflow
        self.overflowIsSet = true
    }

    init(_ table: FieldTable, queue: String) throws(BrokerError) {
        self.messageTTL = try Self.integer(table, "x-message-ttl", queue: queue, minimum: 0).map(UInt64.init)
        self.expires = try Self.integer(table, "x-expires", queue: queue, minimum: 1).map(UInt64.init)
        self.maxLength = try Self.integer(table, "x-max-length", queue: queue, minimum: 0).map(Int.init)
        self.maxLengthBytes = try Self.integer(table, "x-max-length-bytes", queue: queue, minimum: 0).map(Int.init)
        if let value = table["x-overflow"] {
            guard let text = value.stringValue, let overflow = Overflow(rawValue: text) else {
                throw .preconditionFailed("invalid arg 'x-overflow' for queue '\(queue)': \(value)")
            }
            self.overflow = overflow
            self.overflowIsSet = true
        }
        self.deadLetterExchange = try Self.string(table, "x-dead-letter-exchange", queue: queue)
        self.deadLetterRoutingKey = try Self.string(table, "x-dead-letter-routing-key", queue: queue)
        if self.deadLetterRoutingKey != nil && self.deadLetterExchange == nil {
            throw .preconditionFailed(
                "invalid arg 'x-dead-letter-routing-key' for queue '\(queue)': requires x-dead-letter-exchange"
            )
        }
        if let value = table["x-queue-type"] {
            switch value.stringValue {
            case "classic": break
            case "stream": self.stream = try StreamArguments(table, queue: queue)
            case "quorum": self.isQuorum = true
            default:
                throw .preconditionFailed(
                    "invalid arg 'x-queue-type' for queue '\(queue)': only classic, quorum and stream are supported")
            }
        }
        if self.isQuorum {
            self.deliveryLimit = try Self.integer(table, "x-delivery-limit", queue: queue, minimum: 0).map(Int.init)
        }
        if let value = table["x-single-active-consumer"] {
            guard case .boolean(let flag) = value else {
                throw .preconditionFailed("invalid arg 'x-single-active-consumer' for queue '\(queue)': \(value)")
            }
            self.singleActiveConsumer = flag
        }
        self.maxPriority = try Self.maxPriority(table, queue: queue)
        self.deduplication = try Self.deduplication(table, queue: queue)
        self.messageGroups = try Self.flag(table, "x-message-groups", queue: queue)
        let type: QueueArgumentTable.QueueType = self.stream != nil ? .stream : self.isQuorum ? .quorum : .classic
        try QueueArgumentTable.check(table, type: type, queue: queue)
        if let value = table["x-partitions"] {
            guard self.stream != nil, let count = value.integerValue, count >= 1, count <= VirtualHost.maxPartitions
            else {
                throw .preconditionFailed(
                    "invalid arg 'x-partitions' for queue '\(queue)': \(value) (a stream's partition count, "
                        + "1 to \(VirtualHost.maxPartitions))")
            }
            self.partitions = Int(count)
        }
    }

    private static func integer(
        _ table: FieldTable,
        _ key: String,
        queue: String,
        minimum: Int64
    ) throws(BrokerError) -> Int64? {
        guard let value = table[key] else { return nil }
        guard let number = value.integerValue, number >= minimum else {
            throw .preconditionFailed("invalid arg '\(key)' for queue '\(queue)': \(value)")
        }
        return number
    }

    /// RabbitMQ's rule: an integer from 0 to 255 (0 is one level, a plain queue); anything else → 406.
    private static func maxPriority(_ table: FieldTable, queue: String) throws(BrokerError) -> Int? {
        guard let value = table["x-max-priority"] else { return nil }
        guard let number = value.integerValue, number >= 0, number <= Int64(UInt8.max) else {
            throw .preconditionFailed(
                "invalid arg 'x-max-priority' for queue '\(queue)': \(value) (an integer from 0 to 255)")
        }
        return Int(number)
    }

    private static func string(_ table: FieldTable, _ key: String, queue: String) throws(BrokerError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.stringValue else {
            throw .preconditionFailed("invalid arg '\(key)' for queue '\(queue)': \(value)")
        }
        return text
    }

    /// Per-message TTL from the `expiration` property: a non-negative decimal integer of milliseconds.
    static func messageTTL(_ expiration: String?) throws(BrokerError) -> UInt64? {
        guard let expiration else { return nil }
        guard !expiration.isEmpty, expiration.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let ttl = UInt64(expiration)
        else {
            throw .preconditionFailed("invalid expiration '\(expiration)'")
        }
        return ttl
    }

    /// The settings a queue runs with: its arguments, its policy, then its operator policy. As in
    /// RabbitMQ (`args_policy_lookup`), a limit set by both the arguments and the policy takes the
    /// lower value; a name (dead-letter exchange and key, overflow, a stream's max-age) set by the
    /// arguments wins over the policy; the operator policy's limits cap the result.
    func applying(policy: PolicyDefinition?, operatorPolicy: PolicyDefinition?) -> QueueArguments {
        var merged = self
        for definition in [policy, operatorPolicy] {
            guard let definition else { continue }
            merged.messageTTL = Self.lower(merged.messageTTL, definition.integer(.messageTTL).map(UInt64.init))
            merged.expires = Self.lower(merged.expires, definition.integer(.expires).map(UInt64.init))
            merged.maxLength = Self.lower(merged.maxLength, definition.integer(.maxLength).map(Int.init))
            merged.maxLengthBytes = Self.lower(merged.maxLengthBytes, definition.integer(.maxLengthBytes).map(Int.init))
            if merged.isQuorum {
                merged.deliveryLimit = Self.lower(
                    merged.deliveryLimit, definition.integer(.deliveryLimit).map(Int.init))
            }
            if merged.stream != nil, let bytes = definition.integer(.maxLengthBytes) {
                merged.stream!.maxLengthBytes = Self.lower(merged.stream!.maxLengthBytes, bytes)
            }
        }
        guard let policy else { return merged }
        if !self.overflowIsSet, let text = policy.string(.overflow), let overflow = Overflow(rawValue: text) {
            merged.overflow = overflow
        }
        merged.deadLetterExchange = self.deadLetterExchange ?? policy.string(.deadLetterExchange)
        merged.deadLetterRoutingKey = self.deadLetterRoutingKey ?? policy.string(.deadLetterRoutingKey)
        if merged.stream != nil, merged.stream!.maxAgeMilliseconds == nil {
            merged.stream!.maxAgeMilliseconds = policy.string(.maxAge).flatMap(StreamArguments.age)
        }
        return merged
    }

    private static func lower<T: Comparable>(_ lhs: T?, _ rhs: T?) -> T? {
        guard let lhs else { return rhs }
        guard let rhs else { return lhs }
        return min(lhs, rhs)
    }
}
