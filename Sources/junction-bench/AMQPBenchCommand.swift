import ArgumentParser

/// `junction-bench amqp`: AMQP 0-9-1 publishers and consumers on one queue.
struct AMQPBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amqp",
        abstract: "Publish to and consume from one queue over AMQP 0-9-1 (PLAIN guest/guest, vhost /)."
    )

    @Option(help: "Broker host.") var host = "127.0.0.1"
    @Option(help: "Broker port.") var port = 5672
    @Option(help: "Publishing connections.") var publishers = 1
    @Option(help: "Consuming connections.") var consumers = 1
    @Option(help: "Body size in bytes (at least \(AMQPBenchBody.headerSize): send time, run id, publisher, sequence).")
    var size = 16
    @Option(help: "Messages to publish in total (ignored with --duration).") var count = 200_000
    @Option(help: "Publish for this many seconds instead of a fixed count.") var duration: Int?
    @Flag(help: "Use publisher confirms (confirm.select) with a window of --confirm-window messages.") var confirm =
        false
    @Option(help: "Unconfirmed messages allowed per publisher with --confirm.") var confirmWindow = 1000
    @Option(help: "basic.qos prefetch count per consumer with manual acks (0: no limit).") var prefetch = 1000
    @Flag(help: "Consume with no-ack instead of manual acks (acks are sent once per read burst, multiple=true).")
    var noAck = false
    @Option(help: "Messages per write and flush.") var batch = 100
    @Option(help: "Total publish rate in messages per second (default: as fast as the broker takes them).")
    var rate: Int?
    @Option(help: "Queue name (declared non-durable and auto-delete by every connection).") var queue = "junction-bench"
    @Option(help: "Seconds without progress, after publishing ended, before the missing messages count as lost.")
    var drainTimeout = 5

    func validate() throws {
        guard self.publishers >= 1, self.consumers >= 1 else {
            throw ValidationError("--publishers and --consumers must be at least 1")
        }
        guard self.count >= 1, self.batch >= 1, self.confirmWindow >= 1, self.prefetch >= 0, self.drainTimeout >= 1
        else { throw ValidationError("--count, --batch, --confirm-window and --drain-timeout must be positive") }
        guard self.prefetch <= Int(UInt16.max) else { throw ValidationError("--prefetch is at most 65535") }
        if let duration = self.duration, duration < 1 { throw ValidationError("--duration must be positive") }
        if let rate = self.rate, rate < 1 { throw ValidationError("--rate must be positive") }
        guard self.queue.utf8.count <= 255 else { throw ValidationError("--queue is at most 255 bytes") }
    }

    func run() async throws {
        let configuration = AMQPBenchConfiguration(
            host: self.host, port: self.port, publishers: self.publishers, consumers: self.consumers,
            bodySize: max(self.size, AMQPBenchBody.headerSize), count: self.duration == nil ? self.count : nil,
            durationSeconds: self.duration, confirm: self.confirm, confirmWindow: self.confirmWindow,
            prefetch: self.prefetch, noAck: self.noAck, batch: self.batch,
            ratePerPublisher: self.rate.map { Double($0) / Double(self.publishers) }, queue: self.queue,
            drainTimeoutSeconds: self.drainTimeout)
        let report = try await AMQPBenchRun.run(configuration)
        print(report.line)
    }
}

/// What one `amqp` run does; built from the command line.
struct AMQPBenchConfiguration: Sendable {
    var host: String
    var port: Int
    var publishers: Int
    var consumers: Int
    var bodySize: Int
    /// Total messages, or nil when publishing for `durationSeconds`.
    var count: Int?
    var durationSeconds: Int?
    var confirm: Bool
    var confirmWindow: Int
    var prefetch: Int
    var noAck: Bool
    var batch: Int
    /// Messages per second each publisher sends, or nil for as fast as possible.
    var ratePerPublisher: Double?
    var queue: String
    var drainTimeoutSeconds: Int

    /// The share of `count` publisher `index` sends; the first publishers take the remainder.
    func quota(ofPublisher index: Int) -> Int? {
        guard let count = self.count else { return nil }
        return count / self.publishers + (index < count % self.publishers ? 1 : 0)
    }
}
