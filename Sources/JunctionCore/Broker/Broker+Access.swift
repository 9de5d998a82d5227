import JunctionStorage
import Logging

/// Users, permissions and the access contexts adapters build at login.
extension Broker {
    /// The context a logged-in user's operations in `virtualHost` run with.
    /// - Throws: `.notAllowed` when the virtual host does not exist or the user has no permissions
    ///   there (AMQP answers connection.open with 530, as RabbitMQ does).
    public func accessContext(
        user: String, virtualHost: String, clientID: String? = nil
    ) throws(BrokerError)
        -> AccessContext
    {
        guard self.virtualHost(virtualHost) != nil else {
            throw .notAllowed("vhost '\(virtualHost)' not found")
        }
        guard self.accessControl.permissions(user: user, virtualHost: virtualHost) != nil else {
            self.accessControl.logger.notice(
                "virtual host access refused", metadata: ["user": "\(user)", "vhost": "\(virtualHost)"])
            throw .notAllowed("access to vhost '\(virtualHost)' refused for user '\(user)'")
        }
        return AccessContext(user: user, virtualHost: virtualHost, clientID: clientID, control: self.accessControl)
    }

    /// What a connection holds before it logs in: every check is refused (no user has the empty
    /// name, so it has no permissions anywhere).
    public func accessBeforeLogin() -> AccessContext {
        AccessContext(user: "", virtualHost: "", clientID: nil, control: self.accessControl)
    }

    /// Sets a user's `configure`/`write`/`read` expressions in an existing virtual host.
    /// - Throws: `.notFound` (user or vhost), `.preconditionFailed` (an invalid expression).
    public func setPermissions(
        user: String, virtualHost: String, configure: String, write: String, read: String
    ) throws(BrokerError) {
        guard self.virtualHost(virtualHost) != nil else { throw .notFound("no vhost '\(virtualHost)'") }
        try self.accessControl.setPermissions(
            user: user, virtualHost: virtualHost, configure: configure, write: write, read: read)
    }

    /// Sets a user's topic permission on one exchange of an existing virtual host.
    public func setTopicPermission(user: String, virtualHost: String, _ permission: TopicPermission) throws(BrokerError)
    {
        guard self.virtualHost(virtualHost) != nil else { throw .notFound("no vhost '\(virtualHost)'") }
        try self.accessControl.setTopicPermission(user: user, virtualHost: virtualHost, permission)
    }

    /// Start-up: a configured user the store does not know yet is created with a salted hash of
    /// its configured password and full permissions on the default virtual host (RabbitMQ's
    /// `default_user` and `default_permissions`). A stored user is left as it is (its password may
    /// have been changed through the API). An empty password stores an empty hash: that user logs
    /// in only with a client certificate.
    public func bootstrapUser(name: String, password: String, tags: [String]) throws(BrokerError) {
        guard self.accessControl.user(named: name) == nil else { return }
        let hash = password.isEmpty ? "" : PasswordHash.make(password: password)
        try self.accessControl.putUser(UserAccount(name: name, passwordHash: hash, tags: tags))
        let host = self.configuration.defaultVirtualHost
        try self.accessControl.setPermissions(user: name, virtualHost: host, configure: ".*", write: ".*", read: ".*")
        self.logger.info("user created from the configuration", metadata: ["user": "\(name)"])
    }
}
