import JunctionAMQPCodec
import JunctionModel

/// The queues, exchange and bindings of an `amqp` run, and who publishes and consumes where.
///
/// One queue: everyone uses it. N queues without fan-out: publisher p sends to queue p mod N and consumer c reads
/// queue c mod N (load spread over queues). N queues with fan-out: every publisher sends to a fanout exchange bound
/// to all N queues, so each message arrives N times. A stream is one queue every consumer reads from the start;
/// with a group, the consumers share it (one active member); a partitioned stream (`partitions` > 0) is fed
/// through its `x-partition` exchange with `keys` routing keys and read by one group that shares the partitions.
struct AMQPBenchTopology: Sendable {
    var queue: String
    var queues: Int
    var fanout: Bool
    var durable: Bool
    var stream: Bool
    var confirm: Bool
    var prefetch: Int
    var noAck: Bool
    var partitions = 0
    var keys = 1
    /// Levels of a priority queue (`x-max-priority` = levels − 1); 0 for a plain queue.
    var priorities = 0
    var group: String?

    var exchange: String {
        if self.partitions > 0 { return self.queue }
        return self.fanout ? "\(self.queue).fanout" : ""
    }

    /// The routing keys publisher `index` cycles through (one unless the stream is partitioned).
    func routingKeys(ofPublisher index: Int) -> [String] {
        self.partitions > 0 ? (0..<self.keys).map { "key-\($0)" } : [self.routingKey(ofPublisher: index)]
    }

    func queueName(_ index: Int) -> String {
        self.queues == 1 ? self.queue : "\(self.queue)-\(index)"
    }

    /// How many deliveries each message should produce with `consumers` consumers.
    func copies(consumers: Int) -> Int {
        if self.stream { return self.group == nil ? consumers : 1 }
        return self.fanout ? self.queues : 1
    }

    func groupCount(consumers: Int) -> Int {
        if self.stream { return self.group == nil ? consumers : 1 }
        return self.queues
    }

    func group(ofConsumer index: Int) -> Int {
        if self.stream { return self.group == nil ? index : 0 }
        return index % self.queues
    }

    func routingKey(ofPublisher index: Int) -> String { self.fanout ? "" : self.queueName(index % self.queues) }

    /// The setup methods for a connection in `role`.
    func setup(for role: BenchRole) -> [AMQPMethod] {
        var methods: [AMQPMethod] = []
        if self.fanout {
            methods.append(.exchangeDeclare(AMQPExchangeDeclare(exchange: self.exchange, type: "fanout")))
        }
        let queues: [Int] =
            switch role {
            case .publisher: Array(0..<self.queues)
            case .consumer(let index, _): [index % self.queues]
            }
        for index in queues {
            methods.append(.queueDeclare(self.declare(self.queueName(index))))
            if self.fanout {
                methods.append(
                    .queueBind(AMQPQueueBind(queue: self.queueName(index), exchange: self.exchange, routingKey: "")))
            }
        }
        switch role {
        case .publisher:
            if self.confirm { methods.append(.confirmSelect(noWait: false)) }
        case .consumer(let index, _):
            if self.prefetch > 0 && !self.noAck {
                methods.append(.basicQos(AMQPBasicQos(prefetchCount: UInt16(self.prefetch))))
            }
            var arguments: FieldTable = self.stream ? ["x-stream-offset": .string("first")] : [:]
            if let group = self.group { arguments["x-consumer-group"] = .string(group) }
            methods.append(
                .basicConsume(
                    AMQPBasicConsume(
                        queue: self.queueName(index % self.queues), noAck: self.noAck, arguments: arguments)))
        }
        return methods
    }

    private func declare(_ name: String) -> AMQPQueueDeclare {
        if self.stream {
            // Streams are durable and never auto-deleted.
            var arguments: FieldTable = ["x-queue-type": .string("stream")]
            if self.partitions > 0 { arguments["x-partitions"] = .int32(Int32(self.partitions)) }
            return AMQPQueueDeclare(queue: name, durable: true, arguments: arguments)
        }
        let arguments: FieldTable = self.priorities > 0 ? ["x-max-priority": .int32(Int32(self.priorities - 1))] : [:]
        return AMQPQueueDeclare(queue: name, durable: self.durable, autoDelete: true, arguments: arguments)
    }
}
