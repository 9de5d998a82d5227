import ArgumentParser
import Foundation

/// `junction-bench http`: publish and get through the management-style HTTP API.
struct HTTPBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "POST /api/exchanges/{vhost}/amq.default/publish and POST /api/queues/{vhost}/{queue}/get "
            + "(one request in flight per connection; basic auth)."
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "Broker HTTP port.") var port = 15672
    @Option(help: "Queue name (declared non-durable with PUT /api/queues/{vhost}/{queue}).") var queue =
        "junction-bench"
    @Option(help: "Virtual host.") var virtualHost = "/"
    @Option(help: "Messages asked for per get request.") var getCount = 100
    @Option(help: "Basic auth user.") var user = "guest"
    @Option(help: "Basic auth password.") var password = "guest"

    func validate() throws {
        guard self.getCount >= 1 else { throw ValidationError("--get-count must be positive") }
        guard self.queue.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ValidationError("--queue may hold letters, digits, '-', '_' and '.'")
        }
    }

    func run() async throws {
        let credentials = Data("\(self.user):\(self.password)".utf8).base64EncodedString()
        let settings = HTTPBenchClientHandler.Settings(
            host: "\(self.options.host):\(self.port)", virtualHost: self.virtualHost, queue: self.queue,
            getCount: self.getCount, authorization: "Basic \(credentials)")
        let configuration = try self.options.configuration(protocolName: "http", port: self.port, window: 1, copies: 1)
        let report = try await BenchRun.run(
            configuration, groups: 1, groupOfConsumer: { _ in 0 },
            makeClient: { role, run in HTTPBenchClientHandler(role: role, run: run, settings: settings) })
        try self.options.emit(report)
    }
}
