import JunctionTestSupport
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// QoS 2 state restored from a stored session (after a reconnect or a broker restart), and the
/// revision the handler uses to store it once per read burst.
@Suite struct MQTTExactlyOnceRestoreTests {
    typealias Machine = MQTTSessionStateMachine<ManualClock, Int>
    let clock = ManualClock()

    func resumed(inbound: Set<UInt16>, completion: Set<UInt16>) -> Machine {
        var machine = Machine(clock: self.clock)
        let connect = MQTTConnect(protocolVersion: .v5, clientID: "c", cleanStart: false, keepAlive: 10)
        _ = machine.packetReceived(.connect(connect))
        _ = machine.connectAccepted(
            sessionPresent: true,
            inboundAwaitingRelease: inbound,
            awaitingCompletion: completion,
            properties: MQTTProperties()
        )
        return machine
    }

    func publish(id: UInt16, dup: Bool) -> MQTTPublish {
        var publish = MQTTPublish(
            topic: "a/b", qos: .exactlyOnce, packetID: MQTTPacketID(id), payload: ByteBuffer(string: "x"))
        publish.dup = dup
        return publish
    }

    func response(_ id: UInt16) -> MQTTPublishResponse { MQTTPublishResponse(packetID: MQTTPacketID(id)) }

    @Test func restoredInboundIdIsAcknowledgedNotRoutedThenReleased() {
        var machine = self.resumed(inbound: [7], completion: [])
        #expect(machine.packetReceived(.publish(self.publish(id: 7, dup: true))) == .send(.pubRec(self.response(7))))
        let revision = machine.exactlyOnceRevision
        #expect(machine.packetReceived(.pubRel(self.response(7))) == .send(.pubComp(self.response(7))))
        #expect(machine.inboundAwaitingRelease.isEmpty)
        #expect(machine.exactlyOnceRevision != revision)
        // Released: the same id now starts a new message.
        let fresh = self.publish(id: 7, dup: false)
        #expect(machine.packetReceived(.publish(fresh)) == .publish(fresh, topic: "a/b"))
    }

    @Test func restoredCompletionIsResentAndCompleted() {
        var machine = self.resumed(inbound: [], completion: [3, 1])
        #expect(machine.pendingReleases == [.pubRel(self.response(1)), .pubRel(self.response(3))])
        // A PUBREC for an id waiting for completion (the client missed the PUBREL) gets it again.
        #expect(machine.packetReceived(.pubRec(self.response(3))) == .send(.pubRel(self.response(3))))
        let revision = machine.exactlyOnceRevision
        #expect(machine.packetReceived(.pubComp(self.response(1))) == .none)
        #expect(machine.awaitingCompletion == [3])
        #expect(machine.exactlyOnceRevision != revision)
    }

    @Test func restoredCompletionIdsAreNotReusedForNewDeliveries() {
        var machine = self.resumed(inbound: [], completion: [1, 2])
        let delivery = MQTTPublish(topic: "a/b", qos: .exactlyOnce, payload: ByteBuffer(string: "x"))
        #expect(machine.deliveryReady(delivery, token: 10)?.packetID == MQTTPacketID(3))
    }

    @Test func revisionMovesOnlyWhenTheIdsChange() {
        var machine = self.resumed(inbound: [], completion: [])
        let start = machine.exactlyOnceRevision
        // QoS 0/1, unknown PUBREL and PUBCOMP leave the ids alone: nothing to store.
        _ = machine.packetReceived(.pubRel(self.response(9)))
        _ = machine.packetReceived(.pubComp(self.response(9)))
        _ = machine.publishRouted(
            MQTTPublish(topic: "a", qos: .atLeastOnce, packetID: MQTTPacketID(2), payload: ByteBuffer()), matched: true)
        #expect(machine.exactlyOnceRevision == start)
        _ = machine.publishRouted(self.publish(id: 4, dup: false), matched: true)
        #expect(machine.inboundAwaitingRelease == [4])
        let afterPublish = machine.exactlyOnceRevision
        #expect(afterPublish != start)
        // The resent PUBLISH is answered from the stored id without a new change.
        _ = machine.packetReceived(.publish(self.publish(id: 4, dup: true)))
        #expect(machine.exactlyOnceRevision == afterPublish)
    }
}
