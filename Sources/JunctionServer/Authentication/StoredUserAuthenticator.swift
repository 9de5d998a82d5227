public import JunctionCore

/// Checks logins against the users of the metadata store (`AccessControl`): salted SHA-256
/// hashes in RabbitMQ's format. Configured users with `loopback_only` (guest by default) may log
/// in only from a loopback address, as in RabbitMQ.
///
/// Called by every protocol handler on the engine loop, where the user table lives.
public struct StoredUserAuthenticator: Authenticator {
    private let accessControl: @Sendable () -> AccessControl
    private let loopbackOnly: Set<String>

    /// - Parameter accessControl: the broker's user table; called on the engine loop only.
    public init(accessControl: @escaping @Sendable () -> AccessControl, loopbackOnly: Set<String>) {
        self.accessControl = accessControl
        self.loopbackOnly = loopbackOnly
    }

    public func authenticate(username: String, password: String, isLoopback: Bool) -> AuthenticatedUser? {
        guard let account = self.accessControl().authenticate(username: username, password: password),
            isLoopback || !self.loopbackOnly.contains(username)
        else {
            return nil
        }
        return AuthenticatedUser(name: account.name, virtualHosts: nil, tags: Set(account.tags))
    }

    /// A verified client certificate's name logs in the stored user of that name, whatever its
    /// password hash (an empty one means certificate-only), under the same loopback rule.
    public func authenticate(certificateName: String, isLoopback: Bool) -> AuthenticatedUser? {
        guard let account = self.accessControl().user(named: certificateName),
            isLoopback || !self.loopbackOnly.contains(certificateName)
        else {
            return nil
        }
        return AuthenticatedUser(name: account.name, virtualHosts: nil, tags: Set(account.tags))
    }
}
