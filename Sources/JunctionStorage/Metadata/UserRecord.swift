/// A user as the metadata store keeps it. The store never hashes: `passwordHash` is whatever the
/// caller computed (e.g. RabbitMQ's salted SHA-256, base64) and is stored and returned verbatim.
public struct UserRecord: Hashable, Sendable {
    public var name: String
    public var passwordHash: String
    /// Management tags (`administrator`, `monitoring`, …), kept in the given order.
    public var tags: [String]

    public init(name: String, passwordHash: String, tags: [String] = []) {
        self.name = name
        self.passwordHash = passwordHash
        self.tags = tags
    }
}
