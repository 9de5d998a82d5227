import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@Suite struct CoreTopicMatchingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var binding: String
        var routingKey: String
        var matches: Bool
        var testDescription: String { "'\(self.binding)' vs '\(self.routingKey)' -> \(self.matches)" }
    }

    static let cases: [Case] = [
        Case(binding: "a.b.c", routingKey: "a.b.c", matches: true),
        Case(binding: "a.b.c", routingKey: "a.b", matches: false),
        Case(binding: "a.b", routingKey: "a.b.c", matches: false),
        Case(binding: "a.b.c", routingKey: "a.b.C", matches: false),
        Case(binding: "*", routingKey: "a", matches: true),
        Case(binding: "*", routingKey: "a.b", matches: false),
        Case(binding: "*", routingKey: "", matches: false),
        Case(binding: "*", routingKey: ".", matches: false),
        Case(binding: "*.*", routingKey: ".", matches: true),
        Case(binding: "*.*", routingKey: "a.", matches: true),
        Case(binding: "#", routingKey: "", matches: true),
        Case(binding: "#", routingKey: "a", matches: true),
        Case(binding: "#", routingKey: "a.b.c", matches: true),
        Case(binding: "a.*", routingKey: "a.b", matches: true),
        Case(binding: "a.*", routingKey: "a", matches: false),
        Case(binding: "a.*", routingKey: "a.b.c", matches: false),
        Case(binding: "*.b", routingKey: "a.b", matches: true),
        Case(binding: "*.b.*", routingKey: "a.b.c", matches: true),
        Case(binding: "a.#", routingKey: "a", matches: true),
        Case(binding: "a.#", routingKey: "a.b.c", matches: true),
        Case(binding: "a.#", routingKey: "b.a", matches: false),
        Case(binding: "#.c", routingKey: "c", matches: true),
        Case(binding: "#.c", routingKey: "a.b.c", matches: true),
        Case(binding: "#.c", routingKey: "a.b.c.d", matches: false),
        Case(binding: "a.#.b", routingKey: "a.b", matches: true),
        Case(binding: "a.#.b", routingKey: "a.x.b", matches: true),
        Case(binding: "a.#.b", routingKey: "a.x.y.b", matches: true),
        Case(binding: "a.#.b", routingKey: "a.x.y", matches: false),
        Case(binding: "a.#.b", routingKey: "a.b.b", matches: true),
        Case(binding: "a.#.b", routingKey: "b.a.b", matches: false),
        Case(binding: "a.*.b", routingKey: "a..b", matches: true),
        Case(binding: "a.*.b", routingKey: "a.b", matches: false),
        Case(binding: "a..b", routingKey: "a..b", matches: true),
        Case(binding: "a..b", routingKey: "a.b", matches: false),
        Case(binding: "", routingKey: "", matches: true),
        Case(binding: "", routingKey: "a", matches: false),
        Case(binding: "#.#", routingKey: "", matches: true),
        Case(binding: "#.#", routingKey: "a.b", matches: true),
        Case(binding: "*.#", routingKey: "", matches: false),
        Case(binding: "*.#", routingKey: "a", matches: true),
        Case(binding: "#.*", routingKey: "a.b.c", matches: true),
        Case(binding: "a.*.#", routingKey: "a.b", matches: true),
        Case(binding: "a.*.#", routingKey: "a", matches: false),
        Case(binding: "#.a.#", routingKey: "x.a.y", matches: true),
        Case(binding: "#.a.#", routingKey: "x.b.y", matches: false),
        Case(binding: "a.#.#.b", routingKey: "a.b", matches: true),
        Case(binding: "a.#.b.#.c", routingKey: "a.x.b.y.c", matches: true),
        Case(binding: "a.#.b.#.c", routingKey: "a.x.c.y.b", matches: false),
        Case(binding: "sensors.*.temp", routingKey: "sensors.room1.temp", matches: true),
        Case(binding: "a.b.*", routingKey: "a.b.", matches: true),
    ]

    @Test(arguments: CoreTopicMatchingTests.cases)
    func topicBindingMatchesAsRabbitMQ(_ testCase: Case) throws {
        let fixture = CoreFixture()
        try fixture.declareExchange("t", type: "topic")
        try fixture.declareQueue("q")
        try fixture.bind("q", "t", testCase.binding)
        let outcome = try fixture.publish("t", testCase.routingKey)
        #expect(outcome == (testCase.matches ? .routed(queueCount: 1) : .unroutable))
    }

    @Test func overlappingBindingsDeliverOncePerQueue() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        for key in ["a.*", "a.#", "#", "*.b", "a.b"] {
            try fixture.bind("q", "amq.topic", key)
        }
        #expect(try fixture.publish("amq.topic", "a.b") == .routed(queueCount: 1))
        #expect(fixture.vhost.queue(named: "q")?.readyCount == 1)
    }

    @Test func unbindStopsMatchingAndCacheFollowsBindingChanges() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q1")
        try fixture.declareQueue("q2")
        try fixture.bind("q1", "amq.topic", "a.*")
        #expect(try fixture.publish("amq.topic", "a.b") == .routed(queueCount: 1))
        try fixture.bind("q2", "amq.topic", "#.b")
        #expect(try fixture.publish("amq.topic", "a.b") == .routed(queueCount: 2))
        try fixture.vhost.unbindQueue(
            "q1", exchange: "amq.topic", routingKey: "a.*", arguments: [:], owner: CoreFixture.owner)
        #expect(try fixture.publish("amq.topic", "a.b") == .routed(queueCount: 1))
        try fixture.vhost.unbindQueue(
            "q2", exchange: "amq.topic", routingKey: "#.b", arguments: [:], owner: CoreFixture.owner)
        #expect(try fixture.publish("amq.topic", "a.b") == .unroutable)
        #expect(try fixture.drain("q1") == ["m", "m"])
        #expect(try fixture.drain("q2") == ["m", "m"])
    }

    @Test func unbindingOneOfTwoBindingsWithSameKeyKeepsTheOther() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.bind("q", "amq.topic", "a.#", ["x": .int32(1)])
        try fixture.bind("q", "amq.topic", "a.#", ["x": .int32(2)])
        try fixture.vhost.unbindQueue(
            "q", exchange: "amq.topic", routingKey: "a.#", arguments: ["x": .int32(1)], owner: CoreFixture.owner)
        #expect(try fixture.publish("amq.topic", "a.z") == .routed(queueCount: 1))
    }
}
