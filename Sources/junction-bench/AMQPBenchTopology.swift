import JunctionAMQP
// Only for the value types in the codec's API (FieldTable, FieldValue); the bench uses no Core engine.
import JunctionCore

/// The queues, exchange and bindings of an `amqp` run, and who publishes and consumes where.
///
/// One queue: everyone uses it. N queues without fan-out: publisher p sends to queue p mod N and consumer c reads
/// queue c mod N (load spread over queues). N queues with fan-out: every publisher sends to a fanout exchange bound
/// to all N queues, so each message arrives N times. A stream is one queue every consumer reads from the start.
struct AMQPBenchTopology: Sendable {
    var queue: String
    var queues: Int
    var fanout: Bool
    var durable: Bool
    var stream: Bool
    var confirm: Bool
    var prefetch: Int
    var noAck: Bool

    var exchange: String { self.fanout ? "\(self.queue).fanout" : "" }

    func queueName(_ index: Int) -> String {
        self.queues == 1 ? self.queue : "\(self.queue)-\(index)"
    }

    /// How many deliveries each message should produce with `consumers` consumers.
    func copies(consumers: Int) -> Int {
        if self.stream { return consumers }
        return self.fanout ? self.queues : 1
    }

    func groupCount(consumers: Int) -> Int { self.stream ? consumers : self.queues }

    func group(ofConsumer index: Int) -> Int { self.stream ? index : index % self.queues }

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
            let arguments: FieldTable = self.stream ? ["x-stream-offset": .string("first")] : [:]
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
            return AMQPQueueDeclare(queue: name, durable: true, arguments: ["x-queue-type": .string("stream")])
        }
        return AMQPQueueDeclare(queue: name, durable: self.durable, autoDelete: true)
    }
}
