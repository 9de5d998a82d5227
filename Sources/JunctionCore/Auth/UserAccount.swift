/// A stored user: name, salted password hash (`PasswordHash`; empty = certificate login only)
/// and management tags. No plaintext password is ever kept.
public struct UserAccount: Sendable, Hashable {
    public var name: String
    public var passwordHash: String
    public var tags: [String]

    public init(name: String, passwordHash: String, tags: [String]) {
        self.name = name
        self.passwordHash = passwordHash
        self.tags = tags
    }
}
