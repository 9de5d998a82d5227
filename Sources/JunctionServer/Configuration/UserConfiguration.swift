/// One account from the configuration (`users.<name>.*`).
public struct UserConfiguration: Sendable, Hashable {
    public var name: String
    public var password: String
    /// Free-form tags, as in RabbitMQ (`administrator`, `monitoring`, ...).
    public var tags: Set<String>
    /// When true the user may only log in from a loopback address (RabbitMQ's rule for guest).
    public var loopbackOnly: Bool

    public init(name: String, password: String, tags: Set<String> = [], loopbackOnly: Bool = false) {
        self.name = name
        self.password = password
        self.tags = tags
        self.loopbackOnly = loopbackOnly
    }

    /// The built-in account: guest/guest, administrator, loopback only.
    public static let guest = UserConfiguration(
        name: "guest",
        password: "guest",
        tags: ["administrator"],
        loopbackOnly: true
    )
}
