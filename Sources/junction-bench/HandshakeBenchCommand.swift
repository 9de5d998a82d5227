import ArgumentParser
import Histogram
import NIOCore
import NIOPosix

/// `junction-bench handshake`: how fast a broker accepts new connections. Each connection is a TCP
/// connect plus, with --tls, a full TLS handshake (no session resumption); it is closed as soon as
/// it is up. The report's rate is connections per second, its latencies the time to set one up.
struct HandshakeBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handshake",
        abstract: "Open and close connections (with --tls: full TLS handshakes) as fast as the broker accepts them."
    )

    @Option(help: "Broker host.") var host = "127.0.0.1"
    @Option(help: "Broker port (its TLS port with --tls).") var port = 5671
    @Option(help: "Connections to open in total.") var connections = 2000
    @Option(help: "Connections being set up at once.") var concurrency = 8
    @Option(help: "Scenario label for the result line and the JSON record.") var scenario = ""
    @Option(help: "Append the result as one JSON object per line to this file.") var json: String?
    @Option(help: "The broker's process id: its CPU time per connection is reported.") var brokerPid: Int32?
    @OptionGroup var tls: BenchTLSOptions

    func validate() throws {
        guard self.connections >= 1, self.concurrency >= 1 else {
            throw ValidationError("--connections and --concurrency must be positive")
        }
    }

    func run() async throws {
        let settings = HandshakeRun.Settings(
            host: self.host, port: self.port, total: self.connections, concurrency: self.concurrency,
            tls: try self.tls.makeContext(), brokerCPU: self.brokerPid.map(BrokerCPUSampler.init(pid:)))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let result: Result<BenchReport, any Error>
        do {
            result = .success(try await loop.flatSubmit { HandshakeRun(settings, loop: loop).start() }.get())
        } catch {
            result = .failure(error)
        }
        try await group.shutdownGracefully()
        var report = try result.get()
        report.scenario = self.scenario
        print(report.line)
        if let path = self.json {
            try report.appendJSONLine(to: path)
        }
    }
}
