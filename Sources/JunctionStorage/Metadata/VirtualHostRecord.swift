/// A virtual host as the metadata store keeps it.
public struct VirtualHostRecord: Hashable, Sendable {
    public var name: String

    public init(name: String) {
        self.name = name
    }
}
