import JunctionCore
import JunctionCoreTestSupport
import Logging
import Testing

/// RabbitMQ's matching rules: unanchored `re:run`, the empty expression matches nothing, the
/// default exchange is checked as `amq.default`, decisions follow changes at once.
@Suite struct CorePermissionRuleTests {
    @Test(arguments: [
        ("^orders$", "orders", true),
        ("^orders$", "orders.eu", false),
        ("orders", "my-orders-queue", true),  // unanchored, like re:run
        ("^amq\\.gen", "amq.gen-abc", true),
        ("^amq\\.gen", "amqxgen", false),
        ("", "anything", false),
        ("", "", true),  // RabbitMQ's "" becomes ^$; no resource has an empty name
        (".*", "", true),
        ("^(a|b)$", "b", true),
    ])
    func patternMatchingIsUnanchoredRegex(pattern: String, name: String, matches: Bool) throws {
        #expect(try PermissionPattern(pattern).matches(name) == matches)
    }

    @Test func invalidExpressionsAreRefused() {
        let error = #expect(throws: BrokerError.self) { try PermissionPattern("(unclosed") }
        #expect(error?.kind == .preconditionFailed)
    }

    private func broker() throws -> Broker {
        let broker = Broker(logger: Logger(label: "acl-tests"))
        broker.addVirtualHost("dev")
        try broker.accessControl.putUser(
            UserAccount(name: "bob", passwordHash: PasswordHash.make(password: "pw"), tags: []))
        try broker.setPermissions(
            user: "bob", virtualHost: "/", configure: "^bob\\.", write: "^(x|bob\\..*)$", read: "^bob\\.")
        return broker
    }

    @Test func contextsNeedPermissionsInTheirVirtualHost() throws {
        let broker = try self.broker()
        #expect(throws: BrokerError.self) { try broker.accessContext(user: "bob", virtualHost: "dev") }
        #expect(throws: BrokerError.self) { try broker.accessContext(user: "bob", virtualHost: "missing") }
        #expect(throws: BrokerError.self) { try broker.accessContext(user: "nobody", virtualHost: "/") }
        let error = #expect(throws: BrokerError.self) { try broker.accessContext(user: "bob", virtualHost: "dev") }
        #expect(error?.kind == .notAllowed)
        #expect(try broker.accessContext(user: "bob", virtualHost: "/").hasVirtualHostAccess)
    }

    @Test func checksFollowTheThreeExpressions() throws {
        let access = try self.broker().accessContext(user: "bob", virtualHost: "/")
        try access.authorize(.configure, .queue, "bob.q")
        try access.authorize(.write, .exchange, "x")
        try access.authorize(.read, .queue, "bob.q")
        for (permission, resource, name) in [
            (Permission.configure, ProtectedResource.queue, "alice.q"), (.write, .exchange, "y"),
            (.read, .queue, "q"), (.write, .exchange, ""),
        ] {
            let error = #expect(throws: BrokerError.self) { try access.authorize(permission, resource, name) }
            #expect(error?.kind == .accessRefused)
        }
    }

    @Test func theDefaultExchangeIsCheckedAsAmqDefault() throws {
        let broker = try self.broker()
        try broker.setPermissions(user: "bob", virtualHost: "/", configure: "", write: "^amq\\.default$", read: "")
        let access = try broker.accessContext(user: "bob", virtualHost: "/")
        try access.authorize(.write, .exchange, "")
        #expect(throws: BrokerError.self) { try access.authorize(.write, .exchange, "amq.direct") }
    }

    @Test func changesTakeEffectForTheNextCheck() throws {
        let broker = try self.broker()
        let access = try broker.accessContext(user: "bob", virtualHost: "/")
        try access.authorize(.read, .queue, "bob.q")
        try broker.setPermissions(user: "bob", virtualHost: "/", configure: "", write: "", read: "^alice")
        #expect(throws: BrokerError.self) { try access.authorize(.read, .queue, "bob.q") }
        try access.authorize(.read, .queue, "alice.q")
        try broker.accessControl.clearPermissions(user: "bob", virtualHost: "/")
        #expect(throws: BrokerError.self) { try access.authorize(.read, .queue, "alice.q") }
        #expect(!access.hasVirtualHostAccess)
    }

    @Test func topicPermissionsCheckRoutingKeysWithVariables() throws {
        let broker = try self.broker()
        try broker.setTopicPermission(
            user: "bob", virtualHost: "/",
            try TopicPermission(exchange: "amq.topic", write: "^sensors\\.{client_id}\\.", read: "^{username}\\."))
        let access = try broker.accessContext(user: "bob", virtualHost: "/", clientID: "dev1")
        try access.authorizeTopic(.write, exchange: "amq.topic", routingKey: "sensors.dev1.temp")
        #expect(throws: BrokerError.self) {
            try access.authorizeTopic(.write, exchange: "amq.topic", routingKey: "sensors.dev2.temp")
        }
        try access.authorizeTopic(.read, exchange: "amq.topic", routingKey: "bob.inbox")
        #expect(throws: BrokerError.self) {
            try access.authorizeTopic(.read, exchange: "amq.topic", routingKey: "alice.inbox")
        }
        // Another exchange has no topic permission: every key is allowed.
        try access.authorizeTopic(.write, exchange: "events", routingKey: "anything")
        try broker.accessControl.clearTopicPermissions(user: "bob", virtualHost: "/")
        try access.authorizeTopic(.write, exchange: "amq.topic", routingKey: "sensors.dev2.temp")
    }

    @Test func deletingAUserOrVirtualHostTakesThePermissionsAlong() throws {
        let broker = try self.broker()
        try broker.setPermissions(user: "bob", virtualHost: "dev", configure: ".*", write: ".*", read: ".*")
        let access = try broker.accessContext(user: "bob", virtualHost: "dev")
        try broker.deleteVirtualHost("dev")
        #expect(!access.hasVirtualHostAccess)
        try broker.accessControl.deleteUser(named: "bob")
        #expect(broker.accessControl.allPermissions.isEmpty)
        #expect(broker.accessControl.authenticate(username: "bob", password: "pw") == nil)
    }

    @Test func authenticationChecksTheSaltedHash() throws {
        let broker = try self.broker()
        #expect(broker.accessControl.authenticate(username: "bob", password: "pw")?.name == "bob")
        #expect(broker.accessControl.authenticate(username: "bob", password: "PW") == nil)
        #expect(broker.accessControl.authenticate(username: "eve", password: "pw") == nil)
        // A user without a hash (certificate-only) never logs in with a password.
        try broker.accessControl.putUser(UserAccount(name: "cert", passwordHash: "", tags: []))
        #expect(broker.accessControl.authenticate(username: "cert", password: "") == nil)
        #expect(throws: BrokerError.self) {
            try broker.accessControl.putUser(UserAccount(name: "bad", passwordHash: "plaintext", tags: []))
        }
    }
}
