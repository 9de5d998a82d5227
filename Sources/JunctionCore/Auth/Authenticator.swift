/// A user who has logged in, with the virtual hosts they may use.
public struct AuthenticatedUser: Sendable, Hashable {
    public var name: String
    /// Virtual hosts this user may open; `nil` means all of them.
    public var virtualHosts: Set<String>?
    public var tags: Set<String>

    public init(name: String, virtualHosts: Set<String>? = nil, tags: Set<String> = []) {
        self.name = name
        self.virtualHosts = virtualHosts
        self.tags = tags
    }

    public func mayAccess(virtualHost: String) -> Bool {
        self.virtualHosts?.contains(virtualHost) ?? true
    }
}

/// Checks credentials for every protocol adapter. The server implements it from the configuration.
public protocol Authenticator: Sendable {
    /// - Parameter isLoopback: whether the peer connected from a loopback address (guest is
    ///   only allowed from there, as in RabbitMQ).
    func authenticate(username: String, password: String, isLoopback: Bool) -> AuthenticatedUser?

    /// Logs in the existing user that a verified TLS client certificate names (AMQP `EXTERNAL`, MQTT
    /// `use_identity_as_username`); the handshake was the proof, so no password is checked. Nil when
    /// there is no such user or the loopback rule refuses it.
    func authenticate(certificateName: String, isLoopback: Bool) -> AuthenticatedUser?
}

extension Authenticator {
    /// An authenticator that knows no certificate logins refuses every one.
    public func authenticate(certificateName: String, isLoopback: Bool) -> AuthenticatedUser? { nil }
}
