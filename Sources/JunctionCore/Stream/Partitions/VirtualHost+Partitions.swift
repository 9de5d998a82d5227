import JunctionModel
import JunctionStorage

/// Partitioned streams (`x-queue-type: stream` with `x-partitions: N`): a queue `name` that is
/// declared, deleted and consumed, N streams `name-0` … `name-(N-1)` that hold the messages, and
/// an exchange `name` of type `x-partition` that spreads publishes over them by key. All three kinds
/// of object are ordinary (durable, listed, restored), so a restart brings back each of them; the
/// declaration of `name` adopts partitions and an exchange that already exist with its arguments.
extension VirtualHost {
    /// Partitions at most (each is a log with its own files).
    static let maxPartitions = 1024

    public func partitionedStream(named name: String) -> PartitionedStream? { self.partitionedByName[name] }

    public var partitionedStreams: [PartitionedStream] {
        self.partitionedByName.values.sorted { $0.name < $1.name }
    }

    /// The name of partition `index` of `name`.
    public static func partitionName(_ name: String, _ index: Int) -> String { "\(name)-\(index)" }

    func declarePartitionedStream(
        _ name: String, count: Int, settings: QueueArguments, arguments: FieldTable, owner: ConnectionID,
        access: AccessContext
    ) throws(BrokerError) -> QueueDeclareOK {
        var partitionArguments = arguments
        partitionArguments["x-partitions"] = nil
        let partitionSettings = try QueueArguments(partitionArguments, queue: name)
        for index in 0..<count {
            let partition = Self.partitionName(name, index)
            try access.authorize(.configure, .queue, partition)
            if let existing = self.queuesByName[partition],
                existing.argumentSettings != partitionSettings || self.streamsByName[partition] == nil
                    || self.streamsByName[partition]?.partitionOf != nil
            {
                throw .preconditionFailed(
                    "queue '\(partition)' in vhost '\(self.name)' exists and is not a partition of '\(name)'")
            }
        }
        try access.authorize(.configure, .exchange, name)
        if let exchange = self.exchanges[name], exchange.type != .partition {
            throw .preconditionFailed(
                "exchange '\(name)' in vhost '\(self.name)' exists and is not a partition exchange")
        }
        let queue = MessageQueue(
            name: name, durable: true, exclusiveOwner: nil, autoDelete: false, arguments: arguments,
            settings: settings, host: self, clock: self.clock, store: self.store)
        let record = self.queueRecord(queue)
        try self.persist { try $0.declareQueue(record) }
        self.queuesByName[name] = queue
        do throws(BrokerError) {
            var partitions: [StreamQueue] = []
            for index in 0..<count {
                let partition = Self.partitionName(name, index)
                _ = try self.declareQueue(
                    partition, durable: true, exclusive: false, autoDelete: false, arguments: partitionArguments,
                    passive: false, owner: owner, access: access)
                guard let stream = self.streamsByName[partition] else {
                    throw .internalError("partition '\(partition)' could not be opened")
                }
                partitions.append(stream)
            }
            try self.declareExchange(
                name, type: ExchangeType.partition.rawValue, durable: true, autoDelete: false, internal: false,
                arguments: [:], passive: false, access: access)
            for index in 0..<count {
                try self.bindQueue(
                    Self.partitionName(name, index), exchange: name, routingKey: String(index), arguments: [:],
                    owner: owner, access: access)
            }
            self.partitionedByName[name] = PartitionedStream(queue: queue, partitions: partitions)
        } catch {
            self.removeQueue(queue)
            throw error
        }
        return QueueDeclareOK(
            queue: name, messageCount: self.partitionedByName[name]?.messageCount ?? 0, consumerCount: 0)
    }

    /// Deleting a partitioned stream deletes its partitions (their consumers are cancelled) and its exchange.
    func removePartitions(of partitioned: PartitionedStream) {
        partitioned.tearDown()
        for partition in partitioned.partitions {
            partition.partitionOf = nil
            self.removeQueue(partition.queue)
        }
        if let exchange = self.exchanges[partitioned.name], exchange.type == .partition {
            self.removeExchange(exchange)
        }
    }

    /// A consumer of a partitioned stream: a member of a group (`x-consumer-group`, required), which
    /// gets a share of the partitions (or, `x-consumer-group-type: shared`, messages one by one).
    func joinPartitionedStream(
        _ partitioned: PartitionedStream, consumer: any StreamConsumer, tag: String, prefetch: Int,
        start: StreamOffsetSpec, group: String?, shared: Bool, owner: ConnectionID
    ) throws(BrokerError) -> PartitionedStreamMember {
        guard let group else {
            throw .preconditionFailed(
                "stream '\(partitioned.name)' in vhost '\(self.name)' is partitioned: consume it with "
                    + "x-consumer-group, or consume one of its partitions '\(partitioned.name)-<n>'")
        }
        return try partitioned.join(
            tag: tag, consumer: consumer, start: start, group: group, shared: shared, prefetch: prefetch, owner: owner)
    }
}
