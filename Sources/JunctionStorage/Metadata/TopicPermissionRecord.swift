/// One user's topic permission on one exchange of a virtual host, as in RabbitMQ: regular
/// expressions the routing key must match to publish (`write`) or to bind/subscribe (`read`). The
/// user and the virtual host must exist when it is stored; deleting either deletes it.
public struct TopicPermissionRecord: Hashable, Sendable {
    public var user: String
    public var virtualHost: String
    public var exchange: String
    public var write: String
    public var read: String

    public init(user: String, virtualHost: String, exchange: String, write: String, read: String) {
        self.user = user
        self.virtualHost = virtualHost
        self.exchange = exchange
        self.write = write
        self.read = read
    }
}
