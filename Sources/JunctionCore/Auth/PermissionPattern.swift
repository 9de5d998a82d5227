/// One permission regular expression, compiled once. Matching follows RabbitMQ's `re:run`: the
/// expression is not anchored (users write `^…$`), and the empty expression matches only the
/// empty name, which no resource has (RabbitMQ turns it into `^$`). Not `Sendable` (a compiled
/// `Regex` is not): patterns live on the engine loop with the rest of the access control.
public struct PermissionPattern: CustomStringConvertible {
    /// The expression as the user wrote it.
    public let source: String
    private let regex: Regex<AnyRegexOutput>

    /// - Throws: `.preconditionFailed` when `source` is not a valid regular expression.
    public init(_ source: String) throws(BrokerError) {
        self.source = source
        do {
            self.regex = try Regex(source.isEmpty ? "^$" : source)
        } catch {
            throw .preconditionFailed("invalid regular expression '\(source)': \(error)")
        }
    }

    /// Whether the expression matches anywhere in `name`.
    public func matches(_ name: String) -> Bool {
        (try? self.regex.firstMatch(in: name)) != nil
    }

    public var description: String { self.source }
}

/// A user's rights in one virtual host: RabbitMQ's `configure`, `write` and `read` expressions.
public struct VirtualHostPermissions {
    public let configure: PermissionPattern
    public let write: PermissionPattern
    public let read: PermissionPattern

    public init(configure: String, write: String, read: String) throws(BrokerError) {
        self.configure = try PermissionPattern(configure)
        self.write = try PermissionPattern(write)
        self.read = try PermissionPattern(read)
    }

    public func pattern(for permission: Permission) -> PermissionPattern {
        switch permission {
        case .configure: self.configure
        case .write: self.write
        case .read: self.read
        }
    }
}

/// A user's topic permission on one topic exchange: expressions a routing key must match to be
/// published (`write`) or bound (`read`). They may use `{username}`, `{vhost}` and `{client_id}`,
/// which are replaced per connection before matching (as RabbitMQ does).
public struct TopicPermission: Sendable, Hashable {
    public let exchange: String
    public let write: String
    public let read: String

    /// - Throws: `.preconditionFailed` when an expression is invalid (checked with the variables
    ///   replaced by a plain word).
    public init(exchange: String, write: String, read: String) throws(BrokerError) {
        self.exchange = exchange
        self.write = write
        self.read = read
        _ = try PermissionPattern(Self.expand(write, username: "u", virtualHost: "v", clientID: "c"))
        _ = try PermissionPattern(Self.expand(read, username: "u", virtualHost: "v", clientID: "c"))
    }

    /// Replaces the variables RabbitMQ knows in topic permission expressions. Values go in
    /// verbatim, as in RabbitMQ.
    static func expand(_ source: String, username: String, virtualHost: String, clientID: String?) -> String {
        guard source.contains("{") else { return source }
        return
            source
            .replacing("{username}", with: username)
            .replacing("{vhost}", with: virtualHost)
            .replacing("{client_id}", with: clientID ?? "")
    }
}

/// RabbitMQ's three kinds of access.
public enum Permission: String, Sendable, Hashable, CaseIterable {
    case configure
    case write
    case read
}

/// What a permission is checked on.
public enum ProtectedResource: String, Sendable, Hashable {
    case queue
    case exchange
}
