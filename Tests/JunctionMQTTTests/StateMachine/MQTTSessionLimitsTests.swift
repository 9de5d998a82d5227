import JunctionTestSupport
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// The server's limits as the state machine applies them: the session expiry cap (3.1.1 clean
/// session 0 included), the Receive Maximum announced and enforced inbound, and the keep-alive cap
/// for 3.1.1 clients.
@Suite struct MQTTSessionLimitsTests {
    typealias Machine = MQTTSessionStateMachine<ManualClock, Int>
    let clock = ManualClock()

    func connect(
        _ version: MQTTProtocolVersion, cleanStart: Bool = true, keepAlive: UInt16 = 10, expiry: UInt32? = nil
    ) -> MQTTConnect {
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = expiry
        return MQTTConnect(
            protocolVersion: version, clientID: "c", cleanStart: cleanStart, keepAlive: keepAlive,
            properties: properties)
    }

    /// A machine that received `connect` and accepted it; returns the CONNACK action too.
    func connected(_ connect: MQTTConnect, limits: Machine.Limits) -> (Machine, MQTTSessionAction<Int>) {
        var machine = Machine(clock: self.clock, limits: limits)
        #expect(machine.packetReceived(.connect(connect)) == .connect(connect))
        let ack = machine.connectAccepted(
            sessionPresent: false, inboundAwaitingRelease: [], awaitingCompletion: [], properties: MQTTProperties())
        return (machine, ack)
    }

    func publish(_ qos: MQTTQoS, id: UInt16?) -> MQTTPacket {
        .publish(
            MQTTPublish(topic: "a/b", qos: qos, packetID: id.map(MQTTPacketID.init), payload: ByteBuffer(string: "x")))
    }

    // MARK: - Session expiry (defect 5)

    @Test func persistent311SessionGetsTheCap() {
        let limits = Machine.Limits(maximumSessionExpiry: 300)
        #expect(self.connected(self.connect(.v311, cleanStart: false), limits: limits).0.sessionExpiry == 300)
        #expect(self.connected(self.connect(.v311, cleanStart: true), limits: limits).0.sessionExpiry == 0)
        // Without a cap it lives until it is cleaned.
        #expect(self.connected(self.connect(.v311, cleanStart: false), limits: .init()).0.sessionExpiry == .max)
    }

    @Test func mqtt5ExpiryIsCappedAtConnectAndAtDisconnect() {
        let limits = Machine.Limits(maximumSessionExpiry: 300)
        #expect(self.connected(self.connect(.v5, expiry: 30), limits: limits).0.sessionExpiry == 30)
        #expect(self.connected(self.connect(.v5, expiry: UInt32.max), limits: limits).0.sessionExpiry == 300)
        #expect(self.connected(self.connect(.v5), limits: limits).0.sessionExpiry == 0)
        var (machine, _) = self.connected(self.connect(.v5, expiry: 30), limits: limits)
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 100_000
        #expect(
            machine.packetReceived(.disconnect(MQTTDisconnect(reasonCode: .success, properties: properties)))
                == .disconnected(publishWill: false, sessionExpiry: 300))
    }

    @Test func restoredSessionLifetimeIsCappedToo() {
        // A 3.1.1 session stored as "never expires" before the cap was set.
        let record = MQTTSessionRecord(clientID: "c", expiryInterval: UInt32.max)
        let restored = MQTTRestoredSession(record: record, offline: .seconds(20))
        #expect(restored.remainingLifetime(cappedAt: 60) == .seconds(40))
        #expect(restored.remainingLifetime(cappedAt: 10) == .zero)
        #expect(restored.remainingLifetime(cappedAt: .max) == nil)
    }

    // MARK: - Receive Maximum (defect 9)

    @Test func receiveMaximumIsAnnounced() {
        let (_, ack) = self.connected(self.connect(.v5), limits: Machine.Limits(receiveMaximum: 2))
        var expected = MQTTProperties()
        expected.receiveMaximum = 2
        #expect(ack == .send(.connAck(MQTTConnAck(sessionPresent: false, reasonCode: .success, properties: expected))))
        let (_, v311) = self.connected(self.connect(.v311), limits: Machine.Limits(receiveMaximum: 2))
        #expect(v311 == .send(.connAck(MQTTConnAck(sessionPresent: false, reasonCode: .success))))
    }

    @Test func oneQoS2PublishBeyondTheReceiveMaximumIsDisconnectedWith0x93() {
        var (machine, _) = self.connected(self.connect(.v5), limits: Machine.Limits(receiveMaximum: 2))
        for id: UInt16 in [1, 2] {
            guard case .publish(let publish, _) = machine.packetReceived(self.publish(.exactlyOnce, id: id)) else {
                Issue.record("PUBLISH \(id) not routed")
                return
            }
            _ = machine.publishRouted(publish, matched: true)
        }
        #expect(machine.inboundUnacknowledged == 2)
        // QoS 0 does not count.
        let qos0 = machine.packetReceived(self.publish(.atMostOnce, id: nil))
        #expect(
            qos0
                == .publish(MQTTPublish(topic: "a/b", qos: .atMostOnce, payload: ByteBuffer(string: "x")), topic: "a/b")
        )
        // PUBREL of 1 frees a place (PUBCOMP is sent).
        _ = machine.packetReceived(.pubRel(MQTTPublishResponse(packetID: MQTTPacketID(1))))
        guard case .publish(let third, _) = machine.packetReceived(self.publish(.exactlyOnce, id: 3)) else {
            Issue.record("PUBLISH 3 not routed")
            return
        }
        _ = machine.publishRouted(third, matched: true)
        // A resent PUBLISH of an id already counted is not a new one.
        #expect(
            machine.packetReceived(self.publish(.exactlyOnce, id: 3))
                == .send(.pubRec(MQTTPublishResponse(packetID: MQTTPacketID(3)))))
        #expect(
            machine.packetReceived(self.publish(.atLeastOnce, id: 4))
                == .close(.receiveMaximumExceeded, sendDisconnect: true))
    }

    @Test func publishAcknowledgementsHeldForTheDiskCount() {
        var (machine, _) = self.connected(self.connect(.v5), limits: Machine.Limits(receiveMaximum: 2))
        for (id, ticket): (UInt16, UInt64) in [(1, 5), (2, 6)] {
            guard case .publish(let publish, _) = machine.packetReceived(self.publish(.atLeastOnce, id: id)) else {
                Issue.record("PUBLISH \(id) not routed")
                return
            }
            #expect(machine.publishRouted(publish, matched: true, durabilityTicket: ticket) == .none)
        }
        #expect(machine.inboundUnacknowledged == 2)
        #expect(machine.durabilityAdvanced(to: 5).count == 1)
        #expect(machine.inboundUnacknowledged == 1)
        guard case .publish(let third, _) = machine.packetReceived(self.publish(.atLeastOnce, id: 3)) else {
            Issue.record("PUBLISH 3 refused with a free place")
            return
        }
        #expect(machine.publishRouted(third, matched: true, durabilityTicket: 7) == .none)
        #expect(
            machine.packetReceived(self.publish(.atLeastOnce, id: 4))
                == .close(.receiveMaximumExceeded, sendDisconnect: true))
    }

    @Test func mqtt311HasNoReceiveMaximum() {
        var (machine, _) = self.connected(self.connect(.v311), limits: Machine.Limits(receiveMaximum: 1))
        for id: UInt16 in 1...3 {
            guard case .publish(let publish, _) = machine.packetReceived(self.publish(.exactlyOnce, id: id)) else {
                Issue.record("PUBLISH \(id) refused")
                return
            }
            _ = machine.publishRouted(publish, matched: true)
        }
    }

    // MARK: - Keep-alive cap for 3.1.1 (defect 9)

    @Test func mqtt311KeepAliveAboveTheCapIsRefusedWithIdentifierRejected() {
        let limits = Machine.Limits(keepAliveMaximum: 20)
        for keepAlive: UInt16 in [21, 0] {
            var machine = Machine(clock: self.clock, limits: limits)
            #expect(
                machine.packetReceived(.connect(self.connect(.v311, keepAlive: keepAlive)))
                    == .refuseConnect(MQTTConnAck(sessionPresent: false, reasonCode: .clientIdentifierNotValid)))
            #expect(machine.packetReceived(.pingReq) == .none)
        }
        let (accepted, _) = self.connected(self.connect(.v311, keepAlive: 20), limits: limits)
        #expect(accepted.keepAliveDeadline == .seconds(30))
    }
}
