import ArgumentParser
import Foundation

// Users, permissions and virtual hosts, as `rabbitmqctl add_user`, `set_permissions`, ... do it,
// through the management API (`/api/users`, `/api/permissions`, `/api/topic-permissions`, `/api/vhosts`).

struct AddUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add-user", abstract: "Create a user.")
    @Argument var name: String
    @Argument var newPassword: String
    @Option(help: "Comma-separated tags (administrator, monitoring, management).") var tags = ""
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        let client = self.options.client
        let path = "/api/users/\(ManagementClient.segment(self.name))"
        // rabbitmqctl add_user refuses an existing user; PUT alone would overwrite it.
        if (try? await client.request("GET", path)) != nil {
            throw ManagementClient.Failure(description: "user '\(self.name)' already exists")
        }
        let tags = self.tags.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        _ = try await client.json("PUT", path, body: ["password": self.newPassword, "tags": tags])
        print("user \(self.name) added")
    }
}

struct DeleteUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete-user", abstract: "Delete a user.")
    @Argument var name: String
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        _ = try await self.options.client.request("DELETE", "/api/users/\(ManagementClient.segment(self.name))")
        print("user \(self.name) deleted")
    }
}

struct ChangePassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change-password", abstract: "Set a user's password (its tags stay).")
    @Argument var name: String
    @Argument var newPassword: String
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        let client = self.options.client
        let path = "/api/users/\(ManagementClient.segment(self.name))"
        let existing = try await client.json("GET", path) as? [String: Any] ?? [:]
        _ = try await client.json("PUT", path, body: ["password": self.newPassword, "tags": existing["tags"] ?? []])
        print("password of \(self.name) changed")
    }
}

struct SetPermissions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-permissions",
        abstract: "Set a user's configure, write and read patterns (regular expressions) in a vhost.")
    @Argument var user: String
    @Argument var configure: String
    @Argument var write: String
    @Argument var read: String
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        _ = try await self.options.client.json(
            "PUT", "/api/permissions/\(self.options.vhostSegment)/\(ManagementClient.segment(self.user))",
            body: ["configure": self.configure, "write": self.write, "read": self.read])
        print("permissions of \(self.user) in vhost \(self.options.vhost) set")
    }
}

struct SetTopicPermissions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-topic-permissions",
        abstract: "Set a user's write and read routing-key patterns for one topic exchange in a vhost.")
    @Argument var user: String
    @Argument var exchange: String
    @Argument var write: String
    @Argument var read: String
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        _ = try await self.options.client.json(
            "PUT", "/api/topic-permissions/\(self.options.vhostSegment)/\(ManagementClient.segment(self.user))",
            body: ["exchange": self.exchange, "write": self.write, "read": self.read])
        print("topic permissions of \(self.user) on \(self.exchange) in vhost \(self.options.vhost) set")
    }
}

struct AddVhost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add-vhost", abstract: "Create a virtual host.")
    @Argument var name: String
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        _ = try await self.options.client.request("PUT", "/api/vhosts/\(ManagementClient.segment(self.name))")
        print("vhost \(self.name) added")
    }
}

struct DeleteVhost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-vhost", abstract: "Delete a virtual host with everything in it.")
    @Argument var name: String
    @OptionGroup var options: ConnectionOptions

    func run() async throws {
        _ = try await self.options.client.request("DELETE", "/api/vhosts/\(ManagementClient.segment(self.name))")
        print("vhost \(self.name) deleted")
    }
}
