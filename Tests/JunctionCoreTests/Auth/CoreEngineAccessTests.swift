import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import Logging
import NIOCore
import Testing

/// Every engine operation checks the caller's context with RabbitMQ's rule for it.
@Suite struct CoreEngineAccessTests {
    let broker = Broker(logger: Logger(label: "acl-engine-tests"))
    var host: VirtualHost { self.broker.virtualHost("/")! }
    let owner = ConnectionID(7)

    init() throws {
        try self.broker.accessControl.putUser(UserAccount(name: "bob", passwordHash: "", tags: []))
        try self.broker.setPermissions(
            user: "bob", virtualHost: "/", configure: "^ok\\.", write: "^(ok\\..*|amq\\.default|amq\\.topic)$",
            read: "^(ok\\..*|amq\\.topic)$")
        try self.broker.setTopicPermission(
            user: "bob", virtualHost: "/", try TopicPermission(exchange: "amq.topic", write: "^ok\\.", read: "^ok\\."))
        let admin = AccessContext.trusted(virtualHost: "/")
        for name in ["ok.q", "no.q"] {
            _ = try self.host.declareQueue(
                name, durable: false, exclusive: false, autoDelete: false, arguments: [:], passive: false,
                owner: self.owner, access: admin)
        }
        try self.host.declareExchange(
            "no.x", type: "fanout", durable: false, autoDelete: false, internal: false, arguments: [:], passive: false,
            access: admin)
    }

    private func refused(_ body: () throws(BrokerError) -> Void) {
        let error = #expect(throws: BrokerError.self) { try body() }
        #expect(error?.kind == .accessRefused)
    }

    @Test func eachOperationFollowsItsPermission() throws {
        let bob = try self.broker.accessContext(user: "bob", virtualHost: "/")
        let host = self.host
        let owner = self.owner
        func declare(_ name: String, passive: Bool = false) throws(BrokerError) {
            _ = try host.declareQueue(
                name, durable: false, exclusive: false, autoDelete: false, arguments: [:], passive: passive,
                owner: owner, access: bob)
        }
        try declare("ok.new")
        self.refused { () throws(BrokerError) in try declare("no.new") }
        // A passive declaration needs no permission, as in RabbitMQ.
        try declare("no.q", passive: true)
        // A server-named queue is checked under its generated name (amq.gen-…: not ^ok\.).
        self.refused { () throws(BrokerError) in try declare("") }

        try host.bindQueue("ok.q", exchange: "amq.topic", routingKey: "ok.k", arguments: [:], owner: owner, access: bob)
        self.refused { () throws(BrokerError) in
            try host.bindQueue(
                "no.q", exchange: "amq.topic", routingKey: "ok.k", arguments: [:], owner: owner, access: bob)
        }
        self.refused { () throws(BrokerError) in
            try host.bindQueue("ok.q", exchange: "no.x", routingKey: "", arguments: [:], owner: owner, access: bob)
        }
        self.refused { () throws(BrokerError) in
            try host.bindQueue(
                "ok.q", exchange: "amq.topic", routingKey: "no.k", arguments: [:], owner: owner, access: bob)
        }

        let body = ByteBuffer(string: "m")
        _ = try host.publish(Message(exchange: "", routingKey: "ok.q", body: body), access: bob)
        _ = try host.publish(Message(exchange: "amq.topic", routingKey: "ok.k", body: body), access: bob)
        _ = try host.publish(Message(exchange: "amq.topic", routingKey: "ok.k", body: body), access: bob)
        self.refused { () throws(BrokerError) in
            _ = try host.publish(Message(exchange: "amq.topic", routingKey: "no.k", body: body), access: bob)
        }
        self.refused { () throws(BrokerError) in
            _ = try host.publish(Message(exchange: "no.x", routingKey: "", body: body), access: bob)
        }
        #expect(host.queue(named: "ok.q")?.readyCount == 3)

        #expect(try host.get(queue: "ok.q", noAck: true, owner: owner, access: bob) != nil)
        self.refused { () throws(BrokerError) in _ = try host.get(queue: "no.q", noAck: true, owner: owner, access: bob)
        }
        #expect(try host.purgeQueue("ok.q", owner: owner, access: bob) == 2)
        self.refused { () throws(BrokerError) in _ = try host.purgeQueue("no.q", owner: owner, access: bob) }
        self.refused { () throws(BrokerError) in
            _ = try host.deleteQueue("no.q", ifUnused: false, ifEmpty: false, owner: owner, access: bob)
        }
        self.refused { () throws(BrokerError) in try host.deleteExchange("no.x", ifUnused: false, access: bob) }
        _ = try host.deleteQueue("ok.new", ifUnused: false, ifEmpty: false, owner: owner, access: bob)
        #expect(host.queue(named: "no.q") != nil)
    }

    @Test func aContextBeforeLoginIsRefusedEverything() {
        let nobody = self.broker.accessBeforeLogin()
        let host = self.host
        self.refused { () throws(BrokerError) in
            _ = try host.publish(Message(exchange: "", routingKey: "ok.q", body: ByteBuffer()), access: nobody)
        }
    }
}
