import JunctionTestSupport
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// PUBACK/PUBREC of messages stored in durable queues wait for the disk, in arrival order.
@Suite struct MQTTDurableAcknowledgementTests {
    typealias Machine = MQTTSessionStateMachine<ManualClock, Int>
    let clock = ManualClock()

    func connected(
        _ version: MQTTProtocolVersion = .v5, keepAlive: UInt16 = 10, limits: Machine.Limits = .init()
    ) -> (Machine, MQTTSessionAction<Int>) {
        var machine = Machine(clock: self.clock, limits: limits)
        let connect = MQTTConnect(protocolVersion: version, clientID: "c", cleanStart: true, keepAlive: keepAlive)
        _ = machine.packetReceived(.connect(connect))
        let action = machine.connectAccepted(
            sessionPresent: false, inboundAwaitingRelease: [], awaitingCompletion: [], properties: MQTTProperties())
        return (machine, action)
    }

    func publish(_ qos: MQTTQoS, id: UInt16) -> MQTTPublish {
        MQTTPublish(topic: "a/b", qos: qos, packetID: MQTTPacketID(id), payload: ByteBuffer(string: "x"))
    }

    func pubAck(_ id: UInt16) -> MQTTPacket { .pubAck(MQTTPublishResponse(packetID: MQTTPacketID(id))) }
    func pubRec(_ id: UInt16) -> MQTTPacket { .pubRec(MQTTPublishResponse(packetID: MQTTPacketID(id))) }

    @Test func acknowledgementWaitsForItsTicket() {
        var (machine, _) = self.connected()
        #expect(machine.publishRouted(self.publish(.atLeastOnce, id: 1), matched: true, durabilityTicket: 5) == .none)
        #expect(machine.isWaitingForDurability)
        #expect(machine.durabilityAdvanced(to: 4) == [])
        #expect(machine.durabilityAdvanced(to: 5) == [self.pubAck(1)])
        #expect(!machine.isWaitingForDurability)
    }

    @Test func laterAcknowledgementsWaitBehindADurableOne() {
        var (machine, _) = self.connected()
        #expect(machine.publishRouted(self.publish(.atLeastOnce, id: 1), matched: true, durabilityTicket: 7) == .none)
        // Routed to transient queues only, but PUBACKs keep the PUBLISH order [MQTT-4.6.0-2].
        #expect(machine.publishRouted(self.publish(.atLeastOnce, id: 2), matched: true) == .none)
        #expect(machine.publishRouted(self.publish(.exactlyOnce, id: 3), matched: true, durabilityTicket: 9) == .none)
        #expect(machine.durabilityAdvanced(to: 8) == [self.pubAck(1), self.pubAck(2)])
        #expect(machine.durabilityAdvanced(to: 9) == [self.pubRec(3)])
        // Nothing held any more: the next acknowledgement goes at once.
        #expect(machine.publishRouted(self.publish(.atLeastOnce, id: 4), matched: true) == .send(self.pubAck(4)))
    }

    @Test func resentQoS2WaitsBehindHeldAcknowledgements() {
        var (machine, _) = self.connected()
        let publish = self.publish(.exactlyOnce, id: 3)
        #expect(machine.publishRouted(publish, matched: true, durabilityTicket: 2) == .none)
        var resent = publish
        resent.dup = true
        // The id is remembered at once (not routed again), but its PUBREC still waits for the disk.
        #expect(machine.packetReceived(.publish(resent)) == .none)
        #expect(machine.durabilityAdvanced(to: 2) == [self.pubRec(3), self.pubRec(3)])
    }

    @Test func storeFailureClosesWithoutAcknowledging() {
        var (machine, _) = self.connected()
        #expect(machine.publishRouted(self.publish(.atLeastOnce, id: 1), matched: true, durabilityTicket: 1) == .none)
        #expect(machine.durabilityFailed() == .close(.unspecifiedError, sendDisconnect: true))
        #expect(!machine.isWaitingForDurability)
        #expect(machine.durabilityAdvanced(to: 1) == [])
        var (v311, _) = self.connected(.v311)
        _ = v311.publishRouted(self.publish(.atLeastOnce, id: 1), matched: true, durabilityTicket: 1)
        #expect(v311.durabilityFailed() == .close(.unspecifiedError, sendDisconnect: false))
    }

    @Test func serverKeepAliveCapsMQTT5Clients() {
        var limits = Machine.Limits()
        limits.keepAliveMaximum = 30
        let (_, longer) = self.connected(keepAlive: 600, limits: limits)
        var expected = MQTTProperties()
        expected.serverKeepAlive = 30
        #expect(
            longer == .send(.connAck(MQTTConnAck(sessionPresent: false, reasonCode: .success, properties: expected))))
        let (machine, none) = self.connected(keepAlive: 0, limits: limits)
        #expect(none == .send(.connAck(MQTTConnAck(sessionPresent: false, reasonCode: .success, properties: expected))))
        #expect(machine.keepAliveDeadline == .seconds(45))
        let (_, shorter) = self.connected(keepAlive: 10, limits: limits)
        #expect(shorter == .send(.connAck(MQTTConnAck(sessionPresent: false, reasonCode: .success))))
        // MQTT 3.1.1 cannot be told: see MQTTSessionLimitsTests (refused, as Mosquitto does).
    }
}
