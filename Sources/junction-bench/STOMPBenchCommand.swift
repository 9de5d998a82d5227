import ArgumentParser

/// `junction-bench stomp`: STOMP publishers and subscribers on one destination.
struct STOMPBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stomp",
        abstract: "SEND to and SUBSCRIBE to one STOMP destination (a /queue/ destination is shared by subscribers)."
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "Broker port.") var port = 61613
    @Option(help: "Destination.") var destination = "/queue/junction-bench"
    @Option(help: "Subscription ack mode: auto, client (one cumulative ACK per read burst) or client-individual.")
    var ack = "client"
    @Option(help: "prefetch-count header per subscription (0: none).") var prefetch = 1000
    @Flag(help: "Ask for a RECEIPT per SEND, with at most --receipt-window outstanding per publisher.") var receipts =
        false
    @Option(help: "Outstanding receipts allowed per publisher with --receipts.") var receiptWindow = 1000
    @Flag(help: "SEND with persistent:true.") var persistent = false
    @Option(help: "CONNECT login.") var login = "guest"
    @Option(help: "CONNECT passcode.") var passcode = "guest"
    @Option(help: "CONNECT host (virtual host).") var virtualHost = "/"

    func validate() throws {
        guard ["auto", "client", "client-individual"].contains(self.ack) else {
            throw ValidationError("--ack is auto, client or client-individual")
        }
        guard self.prefetch >= 0, self.receiptWindow >= 1 else {
            throw ValidationError("--prefetch must be at least 0 and --receipt-window positive")
        }
    }

    func run() async throws {
        let settings = STOMPBenchClientHandler.Settings(
            destination: self.destination, ack: self.ack, prefetch: self.prefetch, receipts: self.receipts,
            persistent: self.persistent, login: self.login, passcode: self.passcode, virtualHost: self.virtualHost)
        let queue = self.destination.hasPrefix("/queue/") || self.destination.hasPrefix("/amq/queue/")
        let consumers = self.options.consumers
        let configuration = try self.options.configuration(
            protocolName: "stomp", port: self.port, window: self.receipts ? self.receiptWindow : nil,
            copies: queue ? 1 : consumers)
        let report = try await BenchRun.run(
            configuration, groups: queue ? 1 : consumers, groupOfConsumer: { queue ? 0 : $0 },
            makeClient: { role, run in STOMPBenchClientHandler(role: role, run: run, settings: settings) })
        try self.options.emit(report)
    }
}
