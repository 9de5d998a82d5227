import ArgumentParser
import NIOSSL

/// Options every protocol shares: load shape, pacing, output.
struct BenchOptions: ParsableArguments {
    @Option(help: "Broker host.") var host = "127.0.0.1"
    @Option(help: "Publishing connections.") var publishers = 1
    @Option(help: "Consuming connections (0: publish only).") var consumers = 1
    @Option(help: "Body size in bytes (at least \(BenchStamp.headerSize): send time, run id, publisher, sequence).")
    var size = 16
    @Option(help: "Messages to publish in total (ignored with --duration).") var count = 200_000
    @Option(help: "Publish for this many seconds instead of a fixed count.") var duration: Int?
    @Option(help: "Total publish rate in messages per second (default: as fast as the broker takes them).")
    var rate: Int?
    @Option(help: "Messages per write and flush.") var batch = 100
    @Option(help: "Seconds without progress, after publishing ended, before the missing messages count as lost.")
    var drainTimeout = 5
    @Option(help: "Scenario label for the result line and the JSON record.") var scenario = ""
    @Option(help: "Append the result as one JSON object per line to this file.") var json: String?
    @Option(help: "The broker's process id: its CPU time during the run (from /proc) is reported per message.")
    var brokerPid: Int32?
    @OptionGroup var tls: BenchTLSOptions

    func validate() throws {
        guard self.publishers >= 1, self.consumers >= 0 else {
            throw ValidationError("--publishers must be at least 1 and --consumers at least 0")
        }
        guard self.count >= 1, self.batch >= 1, self.drainTimeout >= 1 else {
            throw ValidationError("--count, --batch and --drain-timeout must be positive")
        }
        if let duration = self.duration, duration < 1 { throw ValidationError("--duration must be positive") }
        if let rate = self.rate, rate < 1 { throw ValidationError("--rate must be positive") }
    }

    func configuration(
        protocolName: String, port: Int, window: Int?, copies: Int, consumeAfterPublishing: Bool = false
    ) throws -> BenchConfiguration {
        try BenchConfiguration(
            protocolName: protocolName, scenario: self.scenario, host: self.host, port: port,
            publishers: self.publishers, consumers: self.consumers, bodySize: max(self.size, BenchStamp.headerSize),
            count: self.duration == nil ? self.count : nil, durationSeconds: self.duration, batch: self.batch,
            ratePerPublisher: self.rate.map { Double($0) / Double(self.publishers) }, window: window, copies: copies,
            consumeAfterPublishing: consumeAfterPublishing, drainTimeoutSeconds: self.drainTimeout,
            brokerCPU: self.brokerPid.map(BrokerCPUSampler.init(pid:)), tls: self.tls.makeContext())
    }

    /// Prints the result line and appends the JSON record when asked to.
    func emit(_ report: BenchReport) throws {
        print(report.line)
        if let path = self.json {
            try report.appendJSONLine(to: path)
        }
    }
}
