import JunctionCore
import JunctionCoreTestSupport
import Testing

@Suite struct ConnectionLimitsTests {
    static func open(_ user: String, _ vhost: String?, id: UInt64) -> ConnectionSummary {
        ConnectionSummary(
            id: ConnectionID(id), protocolName: "AMQP 0-9-1", peer: "127.0.0.1:1", user: user, virtualHost: vhost,
            connectedAtMilliseconds: 0)
    }

    let open = [
        Self.open("alice", "/", id: 1), Self.open("alice", "/", id: 2), Self.open("bob", "other", id: 3),
        // Not logged in yet (no vhost): never counted.
        Self.open("alice", nil, id: 4),
    ]

    @Test func perUserLimitCountsOnlyThatUsersLoggedInConnections() {
        let limits = ConnectionLimits(maxConnectionsPerUser: 2)
        #expect(limits.refusal(user: "alice", virtualHost: "/", open: self.open)?.contains("user 'alice'") == true)
        #expect(limits.refusal(user: "bob", virtualHost: "/", open: self.open) == nil)
    }

    @Test func perVirtualHostAndGlobalLimits() {
        #expect(
            ConnectionLimits(maxConnectionsPerVirtualHost: 2).refusal(user: "carol", virtualHost: "/", open: self.open)?
                .contains("vhost '/'") == true)
        #expect(
            ConnectionLimits(maxConnectionsPerVirtualHost: 2).refusal(
                user: "carol", virtualHost: "other", open: self.open) == nil)
        #expect(
            ConnectionLimits(maxConnections: 3).refusal(user: "carol", virtualHost: "x", open: self.open)?
                .contains("of the broker") == true)
        #expect(ConnectionLimits(maxConnections: 4).refusal(user: "carol", virtualHost: "x", open: self.open) == nil)
    }

    @Test func zeroMeansNoLimit() {
        #expect(ConnectionLimits().refusal(user: "alice", virtualHost: "/", open: self.open) == nil)
    }
}
