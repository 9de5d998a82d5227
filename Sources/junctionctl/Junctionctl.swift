import ArgumentParser
import Foundation

@main
struct Junctionctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "junctionctl",
        abstract: "Administer a Junction broker through its HTTP management API.",
        subcommands: [
            Status.self, List.self, DeclareQueue.self, DeleteQueue.self, Purge.self, Publish.self, Get.self,
            Export.self, Import.self, AddUser.self, DeleteUser.self, ChangePassword.self, SetPermissions.self,
            SetTopicPermissions.self, AddVhost.self, DeleteVhost.self, SetPolicy.self, ClearPolicy.self,
            ResetOffsets.self, CloseConnection.self,
        ]
    )
}

/// Where and as whom to connect. A flag wins over `JUNCTION_CTL_URL` / `JUNCTION_CTL_USER` /
/// `JUNCTION_CTL_PASSWORD`, which win over the defaults (a local broker, guest/guest); the
/// environment keeps a password off the command line (and out of `ps`).
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Base URL of the HTTP listener (default: $JUNCTION_CTL_URL, else http://localhost:15672).")
    var url: String?
    @Option(help: "User name (default: $JUNCTION_CTL_USER, else guest).") var user: String?
    @Option(help: "Password (default: $JUNCTION_CTL_PASSWORD, else guest).") var password: String?
    @Option(help: "Virtual host.") var vhost = "/"
    @Flag(help: "Print the API's JSON instead of a table.") var json = false

    var client: ManagementClient {
        let environment = ProcessInfo.processInfo.environment
        return ManagementClient(
            baseURL: self.url ?? environment["JUNCTION_CTL_URL"] ?? "http://localhost:15672",
            user: self.user ?? environment["JUNCTION_CTL_USER"] ?? "guest",
            password: self.password ?? environment["JUNCTION_CTL_PASSWORD"] ?? "guest"
        )
    }
    var vhostSegment: String { ManagementClient.segment(self.vhost) }
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List queues, exchanges, bindings, connections, channels, consumers, users, vhosts, permissions, "
            + "topic permissions, policies or consumer groups.")

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case queues, exchanges, bindings, connections, channels, consumers, users, vhosts, permissions
        case topicPermissions = "topic-permissions"
        case policies
        case consumerGroups = "consumer-groups"
    }

    @Argument(help: ArgumentHelp(valueName: Kind.allCases.map(\.rawValue).joined(separator: "|"))) var kind: Kind
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        let vhost = self.options.vhostSegment
        let (path, columns): (String, [String]) =
            switch self.kind {
            case .queues:
                ("/api/queues/\(vhost)", ["name", "messages_ready", "messages_unacknowledged", "consumers", "durable"])
            case .exchanges: ("/api/exchanges/\(vhost)", ["name", "type", "durable", "auto_delete"])
            case .bindings: ("/api/bindings/\(vhost)", ["source", "destination", "destination_type", "routing_key"])
            case .connections: ("/api/connections", ["name", "protocol", "user", "vhost", "channels"])
            case .channels: ("/api/channels", ["name", "user", "vhost", "state"])
            case .consumers:
                ("/api/consumers/\(vhost)", ["consumer_tag", "queue.name", "prefetch_count", "ack_required", "active"])
            case .users: ("/api/users", ["name", "tags"])
            case .vhosts: ("/api/vhosts", ["name", "messages"])
            case .permissions: ("/api/permissions", ["user", "vhost", "configure", "write", "read"])
            case .topicPermissions: ("/api/topic-permissions", ["user", "vhost", "exchange", "write", "read"])
            case .policies:
                ("/api/policies/\(vhost)", ["name", "vhost", "pattern", "apply-to", "priority", "definition"])
            case .consumerGroups:
                (
                    "/api/consumer-groups/\(vhost)",
                    ["name", "stream", "type", "committed_offset", "next_offset", "lag", "members", "active_consumer"]
                )
            }
        let items = try await self.options.client.json("GET", path) as? [[String: Any]] ?? []
        try TableFormatter.print(items, columns: columns, json: self.options.json)
    }
}

struct DeclareQueue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "declare-queue", abstract: "Declare a queue.")
    @Argument var name: String
    @Flag(inversion: .prefixedNo, help: "Survive a restart.") var durable = true
    @Flag(help: "Delete when the last consumer goes.") var autoDelete = false
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        _ = try await self.options.client.json(
            "PUT",
            "/api/queues/\(self.options.vhostSegment)/\(ManagementClient.segment(self.name))",
            body: ["durable": self.durable, "auto_delete": self.autoDelete, "arguments": [String: Any]()]
        )
        print("queue \(self.name) declared")
    }
}

struct DeleteQueue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete-queue", abstract: "Delete a queue.")
    @Argument var name: String
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        _ = try await self.options.client.request(
            "DELETE", "/api/queues/\(self.options.vhostSegment)/\(ManagementClient.segment(self.name))")
        print("queue \(self.name) deleted")
    }
}

struct Purge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove every ready message of a queue.")
    @Argument var name: String
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        _ = try await self.options.client.request(
            "DELETE", "/api/queues/\(self.options.vhostSegment)/\(ManagementClient.segment(self.name))/contents")
        print("queue \(self.name) purged")
    }
}

struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Publish one message.")
    @Option(help: "Exchange (empty: the default exchange).") var exchange = ""
    @Option(name: .customLong("routing-key"), help: "Routing key.") var routingKey: String
    @Option(help: "Message body.") var payload: String
    @Option(name: .customLong("content-type")) var contentType: String?
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        var properties: [String: Any] = [:]
        if let contentType = self.contentType { properties["content_type"] = contentType }
        let name = self.exchange.isEmpty ? "amq.default" : self.exchange
        let result = try await self.options.client.json(
            "POST",
            "/api/exchanges/\(self.options.vhostSegment)/\(ManagementClient.segment(name))/publish",
            body: [
                "routing_key": self.routingKey, "payload": self.payload, "payload_encoding": "string",
                "properties": properties,
            ]
        )
        let routed = (result as? [String: Any])?["routed"] as? Bool ?? false
        if self.options.json {
            try TableFormatter.print([["routed": routed]], columns: ["routed"], json: true)
        } else {
            print(routed ? "message routed" : "message published but not routed")
        }
    }
}

struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fetch messages from a queue.")
    @Argument var queue: String
    @Option var count = 1
    @Flag(help: "Remove the messages (default: requeue them).") var ack = false
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        let items =
            try await self.options.client.json(
                "POST",
                "/api/queues/\(self.options.vhostSegment)/\(ManagementClient.segment(self.queue))/get",
                body: [
                    "count": self.count, "ackmode": self.ack ? "ack_requeue_false" : "ack_requeue_true",
                    "encoding": "auto",
                ]
            ) as? [[String: Any]] ?? []
        try TableFormatter.print(
            items, columns: ["routing_key", "exchange", "redelivered", "payload_encoding", "payload"],
            json: self.options.json)
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write all definitions as JSON (to a file or stdout).")
    @Argument var file: String?
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        let data = try await self.options.client.request("GET", "/api/definitions")
        if let file = self.file {
            try data.write(to: URL(fileURLWithPath: file))
            print("definitions written to \(file)")
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the exchanges, queues and bindings of a definitions file.")
    @Argument var file: String
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: self.file))
        _ = try await self.options.client.request("POST", "/api/definitions", body: data)
        print("definitions imported from \(self.file)")
    }
}
