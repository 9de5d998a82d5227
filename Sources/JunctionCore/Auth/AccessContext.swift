import Logging

/// Who is calling the engine, and in which virtual host: built at login (`Broker.accessContext`),
/// passed to every engine operation, which checks RabbitMQ's rules against it. Each AMQP channel,
/// MQTT or STOMP connection and HTTP request has its own, so decisions are cached where they are
/// used: a steady publisher pays one comparison per message. A change of any permission bumps
/// `AccessControl.generation`, which empties the caches before the next check.
/// Lives on the engine loop (not `Sendable`).
public final class AccessContext {
    public let user: String
    public let virtualHost: String
    /// The MQTT client id, for `{client_id}` in topic permissions.
    public let clientID: String?
    /// nil: the broker's own work (and tests) — every check passes.
    private let control: AccessControl?
    private var generation: UInt64 = 0
    private var permissions: VirtualHostPermissions?
    private var topicPermissions: [String: TopicPermission] = [:]
    private var decisions: [Decision: Bool] = [:]
    private var topicDecisions: [TopicDecision: Bool] = [:]
    private var expandedTopicPatterns: [TopicPatternKey: PermissionPattern?] = [:]
    /// The publish fast path: the last exchange published to, and whether it needs a per-key check.
    private var lastPublishExchange: String?
    private var lastPublishNeedsTopicCheck = false

    private struct Decision: Hashable {
        var permission: Permission
        var resource: ProtectedResource
        var name: String
    }

    private struct TopicDecision: Hashable {
        var permission: Permission
        var exchange: String
        var routingKey: String
    }

    private struct TopicPatternKey: Hashable {
        var permission: Permission
        var exchange: String
    }

    /// Cached decisions per context before the cache starts over (a client naming ever new queues or
    /// routing keys cannot grow it without bound).
    private static let cacheLimit = 512

    init(user: String, virtualHost: String, clientID: String?, control: AccessControl?) {
        self.user = user
        self.virtualHost = virtualHost
        self.clientID = clientID
        self.control = control
    }

    /// A context every check lets through: for the broker's own operations (restoring definitions,
    /// administrative imports) and for tests. Protocol adapters never use it; they get theirs
    /// from `Broker.accessContext(user:virtualHost:clientID:)` at login.
    public static func trusted(virtualHost: String, user: String = "junction") -> AccessContext {
        AccessContext(user: user, virtualHost: virtualHost, clientID: nil, control: nil)
    }

    /// A context for the same caller with its own decision cache (each AMQP channel has one).
    public func sibling() -> AccessContext {
        AccessContext(user: self.user, virtualHost: self.virtualHost, clientID: self.clientID, control: self.control)
    }

    // MARK: Checks

    /// Checks `permission` on a queue or exchange of this context's virtual host; the default
    /// exchange is checked as `amq.default`, as in RabbitMQ.
    /// - Throws: `.accessRefused` (logged with user, vhost, resource and permission).
    public func authorize(_ permission: Permission, _ resource: ProtectedResource, _ name: String) throws(BrokerError) {
        guard let control = self.control else { return }
        self.refresh(control)
        let key = Decision(permission: permission, resource: resource, name: name)
        if let allowed = self.decisions[key] {
            if allowed { return }
        } else {
            let checkedName = resource == .exchange && name.isEmpty ? "amq.default" : name
            let allowed = self.permissions?.pattern(for: permission).matches(checkedName) ?? false
            if self.decisions.count >= Self.cacheLimit { self.decisions.removeAll(keepingCapacity: true) }
            self.decisions[key] = allowed
            if allowed { return }
        }
        throw self.refusal(
            permission, "\(resource.rawValue) '\(resource == .exchange && name.isEmpty ? "amq.default" : name)'")
    }

    /// Checks the topic permission of a topic exchange for a routing key (`write`: publish,
    /// `read`: bind). An exchange without a topic permission for this user allows every key.
    public func authorizeTopic(_ permission: Permission, exchange: String, routingKey: String) throws(BrokerError) {
        guard let control = self.control else { return }
        self.refresh(control)
        guard let topic = self.topicPermissions[exchange] else { return }
        let key = TopicDecision(permission: permission, exchange: exchange, routingKey: routingKey)
        if let allowed = self.topicDecisions[key] {
            if allowed { return }
        } else {
            let allowed = self.topicPattern(permission, topic)?.matches(routingKey) ?? false
            if self.topicDecisions.count >= Self.cacheLimit { self.topicDecisions.removeAll(keepingCapacity: true) }
            self.topicDecisions[key] = allowed
            if allowed { return }
        }
        throw self.refusal(permission, "topic '\(routingKey)' of exchange '\(exchange)'")
    }

    /// The publish check: `write` on the exchange and, on a topic exchange with a topic
    /// permission, on the routing key. Publishing to the same exchange again costs one comparison.
    func authorizePublish(to exchange: Exchange, routingKey: String) throws(BrokerError) {
        guard let control = self.control else { return }
        if self.generation == control.generation, self.lastPublishExchange == exchange.name,
            !self.lastPublishNeedsTopicCheck
        {
            return
        }
        try self.authorize(.write, .exchange, exchange.name)
        self.lastPublishExchange = exchange.name
        self.lastPublishNeedsTopicCheck = exchange.type == .topic && self.topicPermissions[exchange.name] != nil
        if self.lastPublishNeedsTopicCheck {
            try self.authorizeTopic(.write, exchange: exchange.name, routingKey: routingKey)
        }
    }

    /// Whether this context may use the virtual host at all (it has permissions there).
    public var hasVirtualHostAccess: Bool {
        guard let control = self.control else { return true }
        self.refresh(control)
        return self.permissions != nil
    }

    // MARK: Internals

    private func refresh(_ control: AccessControl) {
        guard self.generation != control.generation else { return }
        self.generation = control.generation
        self.permissions = control.permissions(user: self.user, virtualHost: self.virtualHost)
        self.topicPermissions = control.topicPermissions(user: self.user, virtualHost: self.virtualHost)
        self.decisions.removeAll(keepingCapacity: true)
        self.topicDecisions.removeAll(keepingCapacity: true)
        self.expandedTopicPatterns.removeAll(keepingCapacity: true)
        self.lastPublishExchange = nil
    }

    private func topicPattern(_ permission: Permission, _ topic: TopicPermission) -> PermissionPattern? {
        let key = TopicPatternKey(permission: permission, exchange: topic.exchange)
        if let cached = self.expandedTopicPatterns[key] { return cached }
        let source = TopicPermission.expand(
            permission == .write ? topic.write : topic.read, username: self.user, virtualHost: self.virtualHost,
            clientID: self.clientID)
        // A value that makes the expression invalid matches nothing.
        let pattern = try? PermissionPattern(source)
        self.expandedTopicPatterns[key] = pattern
        return pattern
    }

    private func refusal(_ permission: Permission, _ resource: String) -> BrokerError {
        self.control?.logger.notice(
            "access refused",
            metadata: [
                "user": "\(self.user)", "vhost": "\(self.virtualHost)", "resource": "\(resource)",
                "permission": "\(permission.rawValue)",
            ])
        return .accessRefused(
            "\(permission.rawValue) access to \(resource) in vhost '\(self.virtualHost)' refused for user '\(self.user)'"
        )
    }
}

@available(*, unavailable)
extension AccessContext: Sendable {}
