import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import Testing

/// `x-single-active-consumer`: one consumer receives; on its departure the next in registration
/// order takes over and gets the departed one's unacked messages first.
@Suite struct CoreSingleActiveConsumerTests {
    let single: FieldTable = ["x-single-active-consumer": .boolean(true)]

    @Test func onlyTheFirstConsumerReceives() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: self.single)
        let first = RecordingConsumer()
        let second = RecordingConsumer()
        _ = try fixture.consume("q", first, tag: "a")
        _ = try fixture.consume("q", second, tag: "b")
        for index in 0..<4 { try fixture.publish("", "q", "m\(index)") }
        #expect(first.bodies == ["m0", "m1", "m2", "m3"])
        #expect(second.bodies.isEmpty)
        #expect(fixture.vhost.queue(named: "q")?.activeConsumer?.tag == "a")
    }

    @Test func theNextTakesOverWithTheUnackedMessagesFirst() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: self.single)
        let first = RecordingConsumer()
        let second = RecordingConsumer()
        let third = RecordingConsumer()
        let active = try fixture.consume("q", first, tag: "a", prefetch: 2)
        _ = try fixture.consume("q", second, tag: "b")
        _ = try fixture.consume("q", third, tag: "c")
        for index in 0..<3 { try fixture.publish("", "q", "m\(index)") }
        #expect(first.bodies == ["m0", "m1"])
        active.cancel()
        #expect(second.bodies == ["m0", "m1", "m2"])
        #expect(second.deliveries.map(\.redelivered) == [true, true, false])
        #expect(third.bodies.isEmpty)
        #expect(fixture.vhost.queue(named: "q")?.activeConsumer?.tag == "b")
    }

    @Test func waitingConsumersLeavingChangesNothing() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: self.single)
        let first = RecordingConsumer()
        let waiting = try fixture.consume("q", RecordingConsumer(), tag: "w")
        _ = waiting
        _ = try fixture.consume("q", first, tag: "a")
        waiting.cancel()
        try fixture.publish("", "q", "m")
        #expect(first.bodies == ["m"])
    }

    @Test func aNonBooleanValueIsRefused() {
        let fixture = CoreFixture()
        #expect(throws: BrokerError.self) {
            try fixture.declareQueue("q", arguments: ["x-single-active-consumer": .string("yes")])
        }
    }
}
