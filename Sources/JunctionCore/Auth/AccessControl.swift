import JunctionStorage
import Logging

/// Users, their permissions per virtual host and their topic permissions: RabbitMQ's model, kept
/// in memory and written through to the metadata store. Lives on the engine loop (not `Sendable`).
/// Every change bumps `generation`, which is how access contexts know their cached decisions are
/// stale: a change takes effect for the next operation of every connection.
public final class AccessControl {
    /// Bumped on every change of a user, permission or topic permission.
    public private(set) var generation: UInt64 = 1
    private var users: [String: UserAccount] = [:]
    private var permissions: [String: [String: VirtualHostPermissions]] = [:]
    private var topicPermissions: [String: [String: [String: TopicPermission]]] = [:]
    private let metadata: MetadataStore?
    let logger: Logger

    init(metadata: MetadataStore?, logger: Logger) {
        self.metadata = metadata
        var logger = logger
        logger[metadataKey: "component"] = "access"
        self.logger = logger
    }

    // MARK: Reads

    public func user(named name: String) -> UserAccount? { self.users[name] }

    public var allUsers: [UserAccount] { self.users.values.sorted { $0.name < $1.name } }

    /// The user whose password matches, or nil (unknown user, wrong password, or a user without a
    /// password hash). An unknown name costs the same hashing work as a wrong password.
    public func authenticate(username: String, password: String) -> UserAccount? {
        guard let user = self.users[username] else {
            _ = PasswordHash.verify(password: password, hash: Self.decoyHash)
            return nil
        }
        return PasswordHash.verify(password: password, hash: user.passwordHash) ? user : nil
    }

    private static let decoyHash = PasswordHash.make(password: "", salt: [0, 0, 0, 0])

    public func permissions(user: String, virtualHost: String) -> VirtualHostPermissions? {
        self.permissions[user]?[virtualHost]
    }

    /// Every (user, virtual host, permissions), sorted by user then virtual host.
    public var allPermissions: [(user: String, virtualHost: String, permissions: VirtualHostPermissions)] {
        self.permissions.flatMap { user, hosts in hosts.map { (user, $0.key, $0.value) } }
            .sorted { ($0.user, $0.virtualHost) < ($1.user, $1.virtualHost) }
    }

    /// The user's topic permissions in a virtual host, by exchange (empty: none, so all allowed).
    public func topicPermissions(user: String, virtualHost: String) -> [String: TopicPermission] {
        self.topicPermissions[user]?[virtualHost] ?? [:]
    }

    public var allTopicPermissions: [(user: String, virtualHost: String, permission: TopicPermission)] {
        self.topicPermissions.flatMap { user, hosts in
            hosts.flatMap { host, byExchange in byExchange.values.map { (user, host, $0) } }
        }
        .sorted {
            ($0.user, $0.virtualHost, $0.permission.exchange) < ($1.user, $1.virtualHost, $1.permission.exchange)
        }
    }

    // MARK: Changes (written to the metadata store first; memory changes only if that worked)

    /// Creates or replaces a user (hash and tags); its permissions stay.
    public func putUser(_ account: UserAccount) throws(BrokerError) {
        guard !account.name.isEmpty else { throw .preconditionFailed("a user needs a name") }
        guard PasswordHash.isWellFormed(account.passwordHash) else {
            throw .preconditionFailed("password_hash is not a \(PasswordHash.algorithm) hash")
        }
        try self.persist {
            try $0.putUser(UserRecord(name: account.name, passwordHash: account.passwordHash, tags: account.tags))
        }
        self.users[account.name] = account
        self.changed()
    }

    /// Deletes a user with its permissions; false when there was none.
    @discardableResult
    public func deleteUser(named name: String) throws(BrokerError) -> Bool {
        guard self.users[name] != nil else { return false }
        try self.persist { _ = try $0.deleteUser(named: name) }
        self.users[name] = nil
        self.permissions[name] = nil
        self.topicPermissions[name] = nil
        self.changed()
        return true
    }

    /// Sets a user's permissions in a virtual host the caller has checked exists.
    /// - Throws: `.notFound` for an unknown user, `.preconditionFailed` for a bad expression.
    func setPermissions(
        user: String, virtualHost: String, configure: String, write: String, read: String
    ) throws(BrokerError) {
        guard self.users[user] != nil else { throw .notFound("no user '\(user)'") }
        let compiled = try VirtualHostPermissions(configure: configure, write: write, read: read)
        try self.persist {
            try $0.addVirtualHost(VirtualHostRecord(name: virtualHost))
            try $0.setPermission(
                PermissionRecord(user: user, virtualHost: virtualHost, configure: configure, write: write, read: read))
        }
        self.permissions[user, default: [:]][virtualHost] = compiled
        self.changed()
    }

    @discardableResult
    public func clearPermissions(user: String, virtualHost: String) throws(BrokerError) -> Bool {
        guard self.permissions[user]?[virtualHost] != nil else { return false }
        try self.persist { _ = try $0.clearPermission(user: user, virtualHost: virtualHost) }
        self.permissions[user]?[virtualHost] = nil
        self.changed()
        return true
    }

    func setTopicPermission(user: String, virtualHost: String, _ permission: TopicPermission) throws(BrokerError) {
        guard self.users[user] != nil else { throw .notFound("no user '\(user)'") }
        try self.persist {
            try $0.addVirtualHost(VirtualHostRecord(name: virtualHost))
            try $0.setTopicPermission(
                TopicPermissionRecord(
                    user: user, virtualHost: virtualHost, exchange: permission.exchange, write: permission.write,
                    read: permission.read))
        }
        self.topicPermissions[user, default: [:]][virtualHost, default: [:]][permission.exchange] = permission
        self.changed()
    }

    /// Clears one exchange's topic permission, or all of the user's in the virtual host.
    @discardableResult
    public func clearTopicPermissions(
        user: String, virtualHost: String, exchange: String? = nil
    ) throws(BrokerError)
        -> Bool
    {
        guard let existing = self.topicPermissions[user]?[virtualHost], !existing.isEmpty else { return false }
        if let exchange, existing[exchange] == nil { return false }
        try self.persist { _ = try $0.clearTopicPermission(user: user, virtualHost: virtualHost, exchange: exchange) }
        if let exchange {
            self.topicPermissions[user]?[virtualHost]?[exchange] = nil
        } else {
            self.topicPermissions[user]?[virtualHost] = nil
        }
        self.changed()
        return true
    }

    /// A deleted virtual host takes its permissions along (the store deletes its rows itself).
    func virtualHostDeleted(_ name: String) {
        for user in self.permissions.keys { self.permissions[user]?[name] = nil }
        for user in self.topicPermissions.keys { self.topicPermissions[user]?[name] = nil }
        self.changed()
    }

    /// Start-up: what the metadata store holds. A stored expression that no longer compiles is
    /// skipped with an error (that user then has no access there, which is the safe side).
    func restore(from snapshot: MetadataSnapshot) {
        for record in snapshot.users {
            self.users[record.name] = UserAccount(
                name: record.name, passwordHash: record.passwordHash, tags: record.tags)
        }
        for record in snapshot.permissions {
            do {
                self.permissions[record.user, default: [:]][record.virtualHost] = try VirtualHostPermissions(
                    configure: record.configure, write: record.write, read: record.read)
            } catch {
                self.logger.error(
                    "stored permissions skipped", metadata: ["user": "\(record.user)", "error": "\(error)"])
            }
        }
        for record in snapshot.topicPermissions {
            do {
                self.topicPermissions[record.user, default: [:]][record.virtualHost, default: [:]][record.exchange] =
                    try TopicPermission(exchange: record.exchange, write: record.write, read: record.read)
            } catch {
                self.logger.error(
                    "stored topic permission skipped", metadata: ["user": "\(record.user)", "error": "\(error)"])
            }
        }
        self.changed()
    }

    private func changed() {
        self.generation &+= 1
    }

    private func persist(_ change: (MetadataTransaction) throws -> Void) throws(BrokerError) {
        guard let metadata = self.metadata else { return }
        do {
            try metadata.write { try change($0) }
        } catch {
            self.logger.error("cannot store access control change", metadata: ["error": "\(error)"])
            throw .internalError("cannot store the change: \(error)")
        }
    }
}

@available(*, unavailable)
extension AccessControl: Sendable {}
