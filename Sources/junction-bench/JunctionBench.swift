import ArgumentParser

/// Load generator for Junction (or any broker speaking the same protocols).
@main
struct JunctionBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "junction-bench",
        abstract: "Load generator: publishes and consumes, then prints throughput, latency, losses and duplicates.",
        subcommands: [
            AMQPBenchCommand.self, MQTTBenchCommand.self, STOMPBenchCommand.self, HTTPBenchCommand.self,
            SQSBenchCommand.self,
            HandshakeBenchCommand.self,
        ]
    )
}
