import JunctionModel

/// Every `x-` queue argument Junction knows, in one table: those it implements (and for which queue
/// types), and those RabbitMQ accepts and ignores, which Junction accepts and ignores too. Any other
/// `x-` argument is refused with PRECONDITION_FAILED naming it, so nothing is dropped silently.
/// Arguments without the `x-` prefix are stored and ignored (RabbitMQ does the same).
///
/// To support a new argument: add its row here, read it in `QueueArguments` (or `StreamArguments`),
/// and list it in `protocols/amqp-0-9-1/README.md`.
public enum QueueArgumentTable {
    enum QueueType: String, CaseIterable {
        case classic
        case quorum
        case stream
    }

    enum Row {
        /// Implemented for these queue types; on another type it is refused.
        case supported(Set<QueueType>)
        /// Accepted and ignored, as RabbitMQ does; the reason is in the AMQP README.
        case ignored
    }

    static let queues: Set<QueueType> = [.classic, .quorum]
    static let all = Set(QueueType.allCases)

    static let rows: [String: Row] = [
        "x-queue-type": .supported(all),
        "x-message-ttl": .supported(queues),
        "x-expires": .supported(queues),
        "x-max-length": .supported(queues),
        "x-max-length-bytes": .supported(all),
        "x-overflow": .supported(queues),
        "x-dead-letter-exchange": .supported(all),
        "x-dead-letter-routing-key": .supported(all),
        "x-delivery-limit": .supported([.quorum, .stream]),
        "x-single-active-consumer": .supported(queues),
        // Classic queues only: RabbitMQ 4's quorum queues have two implicit levels and no argument.
        "x-max-priority": .supported([.classic]),
        // The community deduplication plugin's queue argument, with its exchange's cache limits.
        "x-message-deduplication": .supported(queues),
        "x-cache-size": .supported(queues),
        "x-cache-ttl": .supported(queues),
        "x-cache-persistence": .supported(queues),
        "x-message-groups": .supported(queues),
        "x-max-age": .supported([.stream]),
        "x-stream-max-segment-size-bytes": .supported([.stream]),
        "x-partitions": .supported([.stream]),
        "x-acquisition-timeout": .supported([.stream]),
        // Harmless ones RabbitMQ accepts: placement and replication (one node), memory tuning
        // (Junction pages by its own budget), the classic queue storage version and mode.
        "x-queue-mode": .ignored,
        "x-queue-master-locator": .ignored,
        "x-queue-leader-locator": .ignored,
        "x-quorum-initial-group-size": .ignored,
        "x-quorum-target-group-size": .ignored,
        "x-initial-cluster-size": .ignored,
        "x-dead-letter-strategy": .ignored,
        "x-max-in-memory-length": .ignored,
        "x-max-in-memory-bytes": .ignored,
        "x-queue-version": .ignored,
    ]

    /// Whether `name` is a queue argument Junction implements or accepts (STOMP takes only these
    /// from SUBSCRIBE headers, as RabbitMQ's STOMP plugin takes its own list).
    public static func knows(_ name: String) -> Bool { Self.rows[name] != nil }

    /// - Throws: `.preconditionFailed` naming the first `x-` argument (in name order) that Junction
    ///   does not implement, or that the queue type does not take.
    static func check(_ table: FieldTable, type: QueueType, queue: String) throws(BrokerError) {
        for name in table.entries.map(\.key).sorted() where name.hasPrefix("x-") {
            switch Self.rows[name] {
            case nil:
                throw .preconditionFailed("invalid arg '\(name)' for queue '\(queue)': not supported by Junction")
            case .supported(let types)? where !types.contains(type):
                throw .preconditionFailed(
                    "invalid arg '\(name)' for queue '\(queue)': not supported by \(type.rawValue) queues")
            case .supported?, .ignored?:
                continue
            }
        }
    }
}
