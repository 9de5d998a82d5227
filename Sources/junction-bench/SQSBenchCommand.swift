import ArgumentParser
import Foundation

/// `junction-bench sqs`: SendMessageBatch, ReceiveMessage and DeleteMessageBatch over the SQS API (AWS JSON
/// 1.0, SigV4-signed like boto3), against Junction's SQS listener or any SQS-compatible server.
struct SQSBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sqs",
        abstract: "SQS SendMessageBatch (--batch entries, one request in flight per publisher connection) and "
            + "ReceiveMessage (10, long poll) + DeleteMessageBatch per consumer connection; SigV4 like boto3."
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "SQS port (Junction's default is ElasticMQ's 9324).") var port = 9324
    @Option(help: "Queue name (created with CreateQueue).") var queue = "junction-bench"
    @Option(help: "Access key id.") var accessKey = "guest"
    @Option(help: "Secret access key.") var secret = "guest"
    @Option(help: "Region the requests are signed for.") var region = "us-east-1"
    @Option(help: "WaitTimeSeconds of each ReceiveMessage (long polling).") var waitSeconds = 1

    func validate() throws {
        guard (1...10).contains(self.options.batch) else {
            throw ValidationError("an SQS batch holds 1 to 10 messages: pass --batch 10 (or less)")
        }
        guard (0...20).contains(self.waitSeconds) else { throw ValidationError("--wait-seconds must be 0 to 20") }
        guard self.queue.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }) else {
            throw ValidationError("--queue may hold letters, digits, '-' and '_'")
        }
    }

    func run() async throws {
        let host = "\(self.options.host):\(self.port)"
        let settings = SQSBenchClientHandler.Settings(
            queue: self.queue, waitSeconds: self.waitSeconds,
            signer: SQSBenchSigner(accessKey: self.accessKey, secret: self.secret, region: self.region, host: host))
        // The window is one batch: a publisher has one SendMessageBatch in flight.
        let configuration = try self.options.configuration(
            protocolName: "sqs", port: self.port, window: self.options.batch, copies: 1)
        let report = try await BenchRun.run(
            configuration, groups: 1, groupOfConsumer: { _ in 0 },
            makeClient: { role, run in SQSBenchClientHandler(role: role, run: run, settings: settings) })
        try self.options.emit(report)
    }
}
