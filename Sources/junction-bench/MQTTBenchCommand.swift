import ArgumentParser
import JunctionMQTTCodec

/// `junction-bench mqtt`: MQTT publishers and subscribers on one or more topics.
struct MQTTBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "Publish and subscribe over MQTT 3.1.1 or 5.0 (clean sessions); every subscriber gets every message "
            + "of its topic."
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "Broker port.") var port = 1883
    @Option(help: "QoS of publishes and subscriptions (0 or 1).") var qos = 0
    @Option(help: "Unacknowledged QoS 1 publishes allowed per publisher.") var window = 1000
    @Option(help: "MQTT protocol version: 4 (3.1.1) or 5.") var mqttVersion = 4
    @Option(help: "Topic (or prefix with --topics > 1).") var topic = "junction-bench"
    @Option(help: "Number of topics: publisher p sends to topic p mod N, subscriber s subscribes to topic s mod N.")
    var topics = 1
    @Option(help: "User name in CONNECT (empty: none).") var username = "guest"
    @Option(help: "Password in CONNECT (empty: none).") var password = "guest"

    func validate() throws {
        guard self.qos == 0 || self.qos == 1 else { throw ValidationError("--qos is 0 or 1") }
        guard MQTTProtocolVersion(rawValue: UInt8(clamping: self.mqttVersion)) != nil else {
            throw ValidationError("--mqtt-version is 4 or 5")
        }
        guard self.window >= 1, self.window < Int(UInt16.max) else { throw ValidationError("--window is 1...65534") }
        guard self.topics >= 1, self.options.consumers % self.topics == 0 else {
            throw ValidationError("--consumers must be a multiple of --topics, so every topic has as many subscribers")
        }
    }

    func run() async throws {
        let settings = MQTTBenchClientHandler.Settings(
            version: MQTTProtocolVersion(rawValue: UInt8(self.mqttVersion)) ?? .v311,
            qos: self.qos == 1 ? .atLeastOnce : .atMostOnce, topic: self.topic, topics: self.topics,
            username: self.username.isEmpty ? nil : self.username,
            password: self.password.isEmpty ? nil : self.password)
        let consumers = self.options.consumers
        let configuration = try self.options.configuration(
            protocolName: "mqtt", port: self.port, window: self.qos == 1 ? self.window : nil,
            copies: consumers / self.topics)
        let report = try await BenchRun.run(
            configuration, groups: consumers, groupOfConsumer: { $0 },
            makeClient: { role, run in MQTTBenchClientHandler(role: role, run: run, settings: settings) })
        try self.options.emit(report)
    }
}
