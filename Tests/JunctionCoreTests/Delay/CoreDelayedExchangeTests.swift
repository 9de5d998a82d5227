import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

/// `x-delayed-message` exchanges (the interface of RabbitMQ's delayed-message plugin), in memory,
/// on a manual clock: nothing is routed before its time, and when it is due it is routed by the
/// exchange's `x-delayed-type` with the bindings of that moment.
@Suite struct CoreDelayedExchangeTests {
    let fixture = CoreFixture()

    func declareDelayed(_ name: String = "delayed", type: String = "direct") throws(BrokerError) {
        try self.fixture.declareExchange(
            name, type: "x-delayed-message", arguments: ["x-delayed-type": .longString(Array(type.utf8))])
    }

    func delayed(_ milliseconds: FieldValue?) -> MessageProperties {
        var properties = MessageProperties()
        if let milliseconds { properties.headers = ["x-delay": milliseconds] }
        return properties
    }

    @Test func missingUnknownOrSelfReferentialDelayedTypeIsPreconditionFailed() throws {
        for arguments: FieldTable in [
            [:], ["x-delayed-type": .longString(Array("nope".utf8))], ["x-delayed-type": .int32(1)],
            ["x-delayed-type": .longString(Array("x-delayed-message".utf8))],
            ["x-delayed-type": .longString(Array("x-partition".utf8))],
        ] {
            #expect(throws: BrokerError.self) {
                try self.fixture.declareExchange("bad", type: "x-delayed-message", arguments: arguments)
            }
            do {
                try self.fixture.declareExchange("bad", type: "x-delayed-message", arguments: arguments)
            } catch {
                #expect(error.kind == .preconditionFailed)
            }
        }
        #expect(self.fixture.vhost.exchange(named: "bad") == nil)
        try self.declareDelayed()
        #expect(self.fixture.vhost.exchange(named: "delayed")?.routingType == .direct)
        // A redeclaration with another x-delayed-type would route differently: refused.
        #expect(throws: BrokerError.self) { try self.declareDelayed(type: "fanout") }
        try self.declareDelayed()
    }

    @Test func messagesWaitAndLeaveInDueTimeOrder() throws {
        try self.declareDelayed()
        try self.fixture.declareQueue("q")
        try self.fixture.bind("q", "delayed", "k")
        #expect(try self.fixture.publish("delayed", "k", "300", properties: self.delayed(.int32(300))) == .unroutable)
        _ = try self.fixture.publish("delayed", "k", "100", properties: self.delayed(.int64(100)))
        _ = try self.fixture.publish("delayed", "k", "200a", properties: self.delayed(.longString(Array("200".utf8))))
        _ = try self.fixture.publish("delayed", "k", "200b", properties: self.delayed(.double(200.7)))
        #expect(self.fixture.broker.delayedMessageCount == 4)
        self.fixture.clock.advance(byMilliseconds: 99)
        self.fixture.broker.fireDueDelayedMessages()
        #expect(self.fixture.vhost.queue(named: "q")?.readyCount == 0)
        self.fixture.clock.advance(byMilliseconds: 101)
        self.fixture.broker.fireDueDelayedMessages()
        #expect(try self.fixture.drain("q") == ["100", "200a", "200b"])
        self.fixture.clock.advance(byMilliseconds: 100)
        self.fixture.broker.fireDueDelayedMessages()
        let (delivery, _) = try #require(try self.fixture.get("q", noAck: true))
        #expect(String(buffer: delivery.message.body) == "300")
        // Like the plugin, the header leaves as −delay, so the message is not delayed again downstream.
        #expect(delivery.message.properties.headers?["x-delay"] == .int32(-300))
        #expect(self.fixture.broker.delayedMessageCount == 0)
    }

    @Test func noPositiveDelayIsRoutedAtOnce() throws {
        try self.declareDelayed()
        try self.fixture.declareQueue("q")
        try self.fixture.bind("q", "delayed", "k")
        for value: FieldValue? in [nil, .int32(0), .int32(-5), .longString(Array("soon".utf8)), .int64(1 << 40)] {
            #expect(try self.fixture.publish("delayed", "k", properties: self.delayed(value)) == .routed(queueCount: 1))
        }
        #expect(self.fixture.broker.delayedMessageCount == 0)
        #expect(self.fixture.vhost.queue(named: "q")?.readyCount == 5)
    }

    @Test func routedWithTheBindingsThatExistWhenDue() throws {
        try self.declareDelayed("delayed-topic", type: "topic")
        try self.fixture.declareQueue("early")
        try self.fixture.declareQueue("late")
        try self.fixture.bind("early", "delayed-topic", "orders.*")
        _ = try self.fixture.publish("delayed-topic", "orders.created", "m", properties: self.delayed(.int32(500)))
        // Bindings change while the message waits: the one removed does not get it, the one added does.
        try self.fixture.vhost.unbindQueue(
            "early", exchange: "delayed-topic", routingKey: "orders.*", arguments: [:], owner: CoreFixture.owner)
        try self.fixture.bind("late", "delayed-topic", "orders.#")
        self.fixture.clock.advance(byMilliseconds: 500)
        self.fixture.broker.fireDueDelayedMessages()
        #expect(try self.fixture.drain("early") == [])
        #expect(try self.fixture.drain("late") == ["m"])
    }

    @Test func alternateExchangeOnlyWhenNothingMatchesAtDueTime() throws {
        try self.fixture.declareExchange("ae", type: "fanout")
        try self.fixture.declareQueue("unrouted")
        try self.fixture.bind("unrouted", "ae", "")
        try self.fixture.declareExchange(
            "delayed", type: "x-delayed-message",
            arguments: [
                "x-delayed-type": .longString(Array("direct".utf8)),
                "alternate-exchange": .longString(Array("ae".utf8)),
            ])
        _ = try self.fixture.publish("delayed", "nobody", "m", properties: self.delayed(.int32(10)))
        #expect(self.fixture.vhost.queue(named: "unrouted")?.readyCount == 0)
        self.fixture.clock.advance(byMilliseconds: 10)
        self.fixture.broker.fireDueDelayedMessages()
        #expect(try self.fixture.drain("unrouted") == ["m"])
    }

    @Test func deletingTheExchangeDropsItsDelayedMessages() throws {
        try self.declareDelayed()
        try self.fixture.declareQueue("q")
        try self.fixture.bind("q", "delayed", "k")
        _ = try self.fixture.publish("delayed", "k", properties: self.delayed(.int32(10)))
        try self.fixture.vhost.deleteExchange("delayed", ifUnused: false)
        #expect(self.fixture.broker.delayedMessageCount == 0)
        try self.declareDelayed()
        try self.fixture.bind("q", "delayed", "k")
        self.fixture.clock.advance(byMilliseconds: 10)
        self.fixture.broker.fireDueDelayedMessages()
        #expect(self.fixture.vhost.queue(named: "q")?.readyCount == 0)
    }

    @Test func theTimerIsArmedForTheEarliestDueTimeOnly() throws {
        final class RecordingTimer: DelayTimer {
            var armed: [UInt64] = []
            func arm(atMilliseconds milliseconds: UInt64) { self.armed.append(milliseconds) }
        }
        let timer = RecordingTimer()
        self.fixture.broker.delayTimer = timer
        try self.declareDelayed()
        let start = self.fixture.clock.now
        _ = try self.fixture.publish("delayed", "k", properties: self.delayed(.int32(300)))
        _ = try self.fixture.publish("delayed", "k", properties: self.delayed(.int32(500)))
        _ = try self.fixture.publish("delayed", "k", properties: self.delayed(.int32(100)))
        #expect(timer.armed == [start + 300, start + 100])
        self.fixture.clock.advance(byMilliseconds: 100)
        self.fixture.broker.fireDueDelayedMessages()
        #expect(timer.armed == [start + 300, start + 100, start + 300])
    }
}
