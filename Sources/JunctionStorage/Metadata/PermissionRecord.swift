/// One user's rights in one virtual host: three regular expressions matched against resource
/// names, as in RabbitMQ. The user and the virtual host must exist when it is stored; deleting
/// either deletes the permission.
public struct PermissionRecord: Hashable, Sendable {
    public var user: String
    public var virtualHost: String
    public var configure: String
    public var write: String
    public var read: String

    public init(user: String, virtualHost: String, configure: String, write: String, read: String) {
        self.user = user
        self.virtualHost = virtualHost
        self.configure = configure
        self.write = write
        self.read = read
    }
}
