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
    @Flag(help: "With --stream: publish everything first, then connect consumers and measure the replay.")
    var replay = false

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
        if self.replay && !self.stream { throw ValidationError("--replay needs --stream") }
        guard self.queue.utf8.count <= 240 else { throw ValidationError("--queue is at most 240 bytes") }
    }

    func run() async throws {
        let topology = AMQPBenchTopology(
            queue: self.queue, queues: self.queues, fanout: self.fanout, durable: self.persistent,
            stream: self.stream, confirm: self.confirm, prefetch: self.prefetch, noAck: self.noAck)
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
