import ArgumentParser

/// `junction-bench amqp`: AMQP 0-9-1 publishers and consumers on queues, a fan-out exchange or a stream.
struct AMQPBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amqp",
        abstract: "Publish and consume over AMQP 0-9-1 (PLAIN guest/guest, vhost /)."
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "Broker port.") var port = 5672
    @Flag(help: "Use publisher confirms (confirm.select) with a window of --confirm-window messages.") var confirm =
        false
    @Option(help: "Unconfirmed messages allowed per publisher with --confirm.") var confirmWindow = 1000
    @Option(help: "basic.qos prefetch count per consumer with manual acks (0: no limit).") var prefetch = 1000
    @Flag(help: "Consume with no-ack instead of manual acks (acks are sent once per read burst, multiple=true).")
    var noAck = false
    @Option(help: "Queue name (or prefix with --queues > 1); classic queues are declared auto-delete.")
    var queue = "junction-bench"
    @Option(help: "Number of queues: load spread over them, or each gets every message with --fanout.")
    var queues = 1
    @Flag(help: "Publish to a fanout exchange bound to every queue.") var fanout = false
    @Flag(help: "Durable queues and persistent messages (delivery mode 2).") var persistent = false
    @Flag(help: "Use one stream (x-queue-type: stream); every consumer reads it from the first offset.")
    var stream = false
    @Flag(
        help:
            "Publish everything first (a backlog), then connect consumers and measure the replay (the drain); with --persistent a durable queue drained from disk."
    )
    var replay = false
    @Option(
        help:
            "A priority queue of N levels (x-max-priority N-1); each publisher cycles through priorities 0...N-1 (0: a plain queue)."
    )
    var priorities = 0
    @Option(help: "With --stream: a partitioned stream of N partitions (x-partitions), fed through its exchange.")
    var partitions = 0
    @Option(help: "With --partitions: publishers cycle through this many routing keys (key-0, key-1, ...).")
    var keys = 1000
    @Option(
        help:
            "With --stream: every consumer joins this consumer group (x-consumer-group); the default with --partitions is junction-bench."
    )
    var group: String?

    func validate() throws {
        guard self.confirmWindow >= 1, self.prefetch >= 0, self.prefetch <= Int(UInt16.max) else {
            throw ValidationError("--confirm-window must be positive and --prefetch within 0...65535")
        }
        guard self.queues >= 1 else { throw ValidationError("--queues must be at least 1") }
        if self.queues > 1, self.options.consumers % self.queues != 0 {
            throw ValidationError("--consumers must be a multiple of --queues, so every queue is consumed")
        }
        if self.stream {
            guard self.queues == 1, !self.fanout, !self.noAck else {
                throw ValidationError("--stream uses one queue with manual acks (no --queues, --fanout, --no-ack)")
            }
            guard self.prefetch > 0 else { throw ValidationError("stream consumers need a --prefetch") }
        }
        if self.replay && self.options.consumers == 0 {
            throw ValidationError("--replay needs consumers to drain the backlog")
        }
        guard self.priorities >= 0, self.priorities <= 256, self.priorities == 0 || !self.stream else {
            throw ValidationError("--priorities is within 0...256 and not for a --stream")
        }
        if (self.partitions != 0 || self.group != nil) && !self.stream {
            throw ValidationError("--partitions and --group need --stream")
        }
        guard self.partitions >= 0, self.partitions <= 1024, self.keys >= 1 else {
            throw ValidationError("--partitions is within 0...1024 and --keys at least 1")
        }
        guard self.queue.utf8.count <= 240 else { throw ValidationError("--queue is at most 240 bytes") }
    }

    func run() async throws {
        let topology = AMQPBenchTopology(
            queue: self.queue, queues: self.queues, fanout: self.fanout, durable: self.persistent,
            stream: self.stream, confirm: self.confirm, prefetch: self.prefetch, noAck: self.noAck,
            partitions: self.partitions, keys: self.keys, priorities: self.priorities,
            group: self.group ?? (self.partitions > 0 ? "junction-bench" : nil))
        let consumers = self.options.consumers
        let configuration = try self.options.configuration(
            protocolName: "amqp", port: self.port, window: self.confirm ? self.confirmWindow : nil,
            copies: topology.copies(consumers: consumers), consumeAfterPublishing: self.replay)
        let report = try await BenchRun.run(
            configuration, groups: topology.groupCount(consumers: consumers),
            groupOfConsumer: { topology.group(ofConsumer: $0) },
            makeClient: { role, run in AMQPBenchClientHandler(role: role, run: run, topology: topology) })
        try self.options.emit(report)
    }
}
