/// The queue arguments the engine acts on, validated once at declare time. Comparing two values
/// is the equivalence check of a redeclaration (integer widths do not matter, unknown keys are ignored).
struct QueueArguments: Equatable {
    enum Overflow: String {
        case dropHead = "drop-head"
        case rejectPublish = "reject-publish"
        case rejectPublishDLX = "reject-publish-dlx"
    }

    var messageTTL: UInt64?
    var expires: UInt64?
    var maxLength: Int?
    var maxLengthBytes: Int?
    var overflow: Overflow = .dropHead
    var deadLetterExchange: String?
    var deadLetterRoutingKey: String?
    /// Set for `x-queue-type: stream`.
    var stream: StreamArguments?
    /// `x-partitions` of a stream: a partitioned stream of that many partitions.
    var partitions: Int?

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
            default:
                throw .preconditionFailed(
                    "invalid arg 'x-queue-type' for queue '\(queue)': only classic and stream are supported")
            }
        }
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
}
