import ArgumentParser
import Foundation

// Policies, consumer-group offsets, connections and the broker's status.

struct SetPolicy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-policy",
        abstract: "Set a policy: a JSON definition applied to the queues and/or exchanges whose names match PATTERN.")

    enum ApplyTo: String, ExpressibleByArgument, CaseIterable {
        case queues, exchanges, all
    }

    @Argument var name: String
    @Argument(help: "Regular expression matched against queue and exchange names.") var pattern: String
    @Argument(help: #"JSON object, e.g. '{"max-length": 1000}'."#) var definition: String
    @Option(name: .customLong("apply-to")) var applyTo: ApplyTo = .all
    @Option var priority = 0
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        guard let definition = try? JSONSerialization.jsonObject(with: Data(self.definition.utf8)) as? [String: Any]
        else {
            throw ValidationError("DEFINITION must be a JSON object, e.g. '{\"max-length\": 1000}'")
        }
        _ = try await self.options.client.json(
            "PUT", "/api/policies/\(self.options.vhostSegment)/\(ManagementClient.segment(self.name))",
            body: [
                "pattern": self.pattern, "definition": definition, "apply-to": self.applyTo.rawValue,
                "priority": self.priority,
            ])
        print("policy \(self.name) set in vhost \(self.options.vhost)")
    }
}

struct ClearPolicy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clear-policy", abstract: "Remove a policy.")
    @Argument var name: String
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        _ = try await self.options.client.request(
            "DELETE", "/api/policies/\(self.options.vhostSegment)/\(ManagementClient.segment(self.name))")
        print("policy \(self.name) cleared in vhost \(self.options.vhost)")
    }
}

struct ResetOffsets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-offsets",
        abstract: "Move a consumer group's offset on a stream (like kafka-consumer-groups --reset-offsets).",
        discussion: """
            --to earliest | latest | OFFSET (a number) | TIMESTAMP (ISO 8601, e.g. 2026-12-05T09:00:00Z; \
            without a zone, UTC). The group then reads that message next. Refused while the group has \
            members unless --force.
            """)
    @Argument var group: String
    @Option(help: "The stream (a partitioned stream's partitions are name-0, name-1, ...).") var stream: String
    @Option(help: "earliest, latest, an offset or an ISO 8601 time.") var to: String
    @Flag(help: "Reset even while the group has members.") var force = false
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        var body: [String: Any] = ["stream": self.stream, "force": self.force]
        switch self.to {
        case "earliest", "latest": body["to"] = self.to
        case let text where !text.isEmpty && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber):
            guard let offset = Int64(text) else { throw ValidationError("offset \(text) is too large") }
            body["to"] = "offset"
            body["offset"] = offset
        default:
            guard let date = Self.date(self.to) else {
                throw ValidationError("--to must be earliest, latest, an offset or an ISO 8601 time, not '\(self.to)'")
            }
            body["to"] = "timestamp"
            body["timestamp"] = Int64((date.timeIntervalSince1970 * 1000).rounded())
        }
        let result =
            try await self.options.client.json(
                "POST",
                "/api/consumer-groups/\(self.options.vhostSegment)/\(ManagementClient.segment(self.group))/reset-offsets",
                body: body
            ) as? [String: Any] ?? [:]
        try TableFormatter.print(
            [result], columns: ["name", "stream", "previous_committed_offset", "committed_offset", "next_offset"],
            json: self.options.json)
    }

    /// ISO 8601 with or without fractional seconds, with or without a zone (then UTC), or a date alone.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        for candidate in [text, text + "Z"] {
            for options: ISO8601DateFormatter.Options in [
                [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds], [.withFullDate],
            ] {
                formatter.formatOptions = options
                if let date = formatter.date(from: candidate) { return date }
            }
        }
        return nil
    }
}

struct CloseConnection: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close-connection",
        abstract: "Close a client connection (its name as `list connections` shows it); the client hears the reason.")
    @Argument var name: String
    @Option(help: "Told to the client (AMQP connection.close text, STOMP ERROR, MQTT 5 reason string).")
    var reason = "Closed via junctionctl"
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        _ = try await self.options.client.request(
            "DELETE", "/api/connections/\(ManagementClient.segment(self.name))", headers: ["X-Reason": self.reason])
        print("connection \(self.name) closed")
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The broker's version, readiness, alarms and object counts.")
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        let client = self.options.client
        let overview = try await client.json("GET", "/api/overview") as? [String: Any] ?? [:]
        // The readiness probe answers 503 with its reasons: that is a status, not a failure here.
        let readyData = try? await client.request("GET", "/api/health/ready", acceptingStatuses: [503])
        let ready = readyData.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        var status: [String: Any] = [
            "product_name": overview["product_name"] ?? "", "product_version": overview["product_version"] ?? "",
            "node": overview["node"] ?? "", "ready": (ready["status"] as? String) == "ok",
            "object_totals": overview["object_totals"] ?? [:], "queue_totals": overview["queue_totals"] ?? [:],
        ]
        if let checks = ready["checks"] { status["checks"] = checks }
        if let reason = ready["reason"] { status["reason"] = reason }
        try TableFormatter.printObject(
            status,
            keys: ["product_name", "product_version", "node", "ready"] + (status["reason"] == nil ? [] : ["reason"])
                + [
                    "checks", "object_totals.connections", "object_totals.channels", "object_totals.queues",
                    "object_totals.consumers", "queue_totals.messages",
                ], json: self.options.json)
    }
}
