/// How many logged-in connections the broker, one user and one virtual host may hold
/// (`limits.max_connections`, `limits.max_connections_per_user`, `limits.max_connections_per_vhost`);
/// 0 means no limit. A connection counts once it has logged in and opened its virtual host; HTTP
/// requests are bounded by the HTTP listener's own limits instead. Checked at login, where each
/// adapter refuses in its own words (AMQP connection.close 530, MQTT CONNACK 0x97 / return code 5,
/// STOMP ERROR).
public struct ConnectionLimits: Sendable, Hashable {
    public var maxConnections: Int
    public var maxConnectionsPerUser: Int
    public var maxConnectionsPerVirtualHost: Int

    public init(maxConnections: Int = 0, maxConnectionsPerUser: Int = 0, maxConnectionsPerVirtualHost: Int = 0) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerUser = maxConnectionsPerUser
        self.maxConnectionsPerVirtualHost = maxConnectionsPerVirtualHost
    }

    /// Why a new login of `user` into `virtualHost` is refused, given the connections already open
    /// (the new one excluded); nil admits it.
    public func refusal(
        user: String, virtualHost: String, open: some Sequence<ConnectionSummary>
    ) -> String? {
        self.refusal(user: user, virtualHost: virtualHost, logins: open.lazy.map { ($0.user, $0.virtualHost) })
    }

    /// `refusal(user:virtualHost:open:)` from each open connection's user and virtual host.
    func refusal(
        user: String, virtualHost: String, logins: some Sequence<(user: String?, virtualHost: String?)>
    ) -> String? {
        var total = 0
        var ofUser = 0
        var ofVirtualHost = 0
        for login in logins {
            guard let vhost = login.virtualHost else { continue }
            total += 1
            if login.user == user { ofUser += 1 }
            if vhost == virtualHost { ofVirtualHost += 1 }
        }
        if self.maxConnections > 0 && total >= self.maxConnections {
            return "connection limit (\(self.maxConnections)) of the broker is reached"
        }
        if self.maxConnectionsPerUser > 0 && ofUser >= self.maxConnectionsPerUser {
            return "connection limit (\(self.maxConnectionsPerUser)) of user '\(user)' is reached"
        }
        if self.maxConnectionsPerVirtualHost > 0 && ofVirtualHost >= self.maxConnectionsPerVirtualHost {
            return "connection limit (\(self.maxConnectionsPerVirtualHost)) of vhost '\(virtualHost)' is reached"
        }
        return nil
    }
}

extension Broker {
    /// Whether connection `id` may log in as `user` into `virtualHost` under the configured limits:
    /// nil admits it, otherwise the reason to give the client. Runs once per login, so counting the
    /// open connections here costs nothing on the message path.
    public func connectionLimitRefusal(_ id: ConnectionID, user: String, virtualHost: String) -> String? {
        let limits = self.configuration.connectionLimits
        guard limits.maxConnections > 0 || limits.maxConnectionsPerUser > 0 || limits.maxConnectionsPerVirtualHost > 0
        else { return nil }
        // Unsorted and without summaries: this runs at every login, over every open connection.
        let others = self.openConnections.lazy.filter { $0.connectionID != id }.map(\.login)
        return limits.refusal(user: user, virtualHost: virtualHost, logins: others)
    }
}

extension VirtualHost {
    /// Consumers one AMQP channel (or one STOMP or MQTT session) may hold; 0: no limit.
    public var maxConsumersPerChannel: Int { self.configuration.maxConsumersPerChannel }
}
