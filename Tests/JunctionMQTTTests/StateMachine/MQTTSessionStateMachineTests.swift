import JunctionTestSupport
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

@Suite struct MQTTSessionStateMachineTests {
    typealias Machine = MQTTSessionStateMachine<ManualClock, Int>
    let clock = ManualClock()

    func connect(
        _ version: MQTTProtocolVersion = .v5, keepAlive: UInt16 = 10, properties: MQTTProperties = MQTTProperties()
    ) -> MQTTConnect {
        MQTTConnect(
            protocolVersion: version, clientID: "c", cleanStart: true, keepAlive: keepAlive, properties: properties)
    }

    func connected(
        _ version: MQTTProtocolVersion = .v5, keepAlive: UInt16 = 10, properties: MQTTProperties = MQTTProperties()
    ) -> Machine {
        var machine = Machine(clock: self.clock)
        #expect(
            machine.packetReceived(.connect(self.connect(version, keepAlive: keepAlive, properties: properties)))
                == .connect(self.connect(version, keepAlive: keepAlive, properties: properties)))
        let action = machine.connectAccepted(
            sessionPresent: false, inboundAwaitingRelease: [], awaitingCompletion: [], properties: MQTTProperties())
        #expect(action == .send(.connAck(MQTTConnAck(sessionPresent: false, reasonCode: .success))))
        return machine
    }

    func publish(
        _ qos: MQTTQoS, id: UInt16? = nil, topic: String = "a/b", properties: MQTTProperties = MQTTProperties()
    ) -> MQTTPublish {
        MQTTPublish(
            topic: topic, qos: qos, packetID: id.map(MQTTPacketID.init), properties: properties,
            payload: ByteBuffer(string: "x"))
    }

    @Test func packetBeforeConnectClosesWithoutConnAck() {
        var machine = Machine(clock: self.clock)
        #expect(machine.packetReceived(.pingReq) == .close(.protocolError, sendDisconnect: false))
        #expect(machine.packetReceived(.pingReq) == .none)
    }

    @Test func secondConnectIsAProtocolError() {
        var machine = self.connected()
        #expect(machine.packetReceived(.connect(self.connect())) == .close(.protocolError, sendDisconnect: true))
        var v311 = self.connected(.v311)
        #expect(v311.packetReceived(.connect(self.connect(.v311))) == .close(.protocolError, sendDisconnect: false))
    }

    @Test func pingGetsPingResponse() {
        var machine = self.connected()
        #expect(machine.packetReceived(.pingReq) == .send(.pingResp))
    }

    @Test func keepAliveClosesAfterOneAndAHalfIntervals() {
        var machine = self.connected(keepAlive: 10)
        #expect(machine.keepAliveDeadline == .seconds(15))
        self.clock.advance(by: .seconds(14))
        let early = machine.keepAliveTimerFired()
        #expect(early.action == .none)
        #expect(early.next == .seconds(1))
        _ = machine.packetReceived(.pingReq)
        self.clock.advance(by: .seconds(10))
        #expect(machine.keepAliveTimerFired().action == .none)
        self.clock.advance(by: .seconds(5))
        #expect(machine.keepAliveTimerFired().action == .close(.keepAliveTimeout, sendDisconnect: true))
    }

    @Test func keepAliveZeroNeverTimesOut() {
        var machine = self.connected(keepAlive: 0)
        #expect(machine.keepAliveDeadline == nil)
        self.clock.advance(by: .seconds(100_000))
        #expect(machine.keepAliveTimerFired().action == .none)
    }

    @Test func qos1PublishIsAcknowledgedAfterRouting() {
        var machine = self.connected()
        let publish = self.publish(.atLeastOnce, id: 3)
        #expect(machine.packetReceived(.publish(publish)) == .publish(publish, topic: "a/b"))
        #expect(
            machine.publishRouted(publish, matched: true)
                == .send(.pubAck(MQTTPublishResponse(packetID: MQTTPacketID(3)))))
        #expect(
            machine.publishRouted(publish, matched: false)
                == .send(.pubAck(MQTTPublishResponse(packetID: MQTTPacketID(3), reasonCode: .noMatchingSubscribers)))
        )
        var v311 = self.connected(.v311)
        #expect(
            v311.publishRouted(publish, matched: false)
                == .send(.pubAck(MQTTPublishResponse(packetID: MQTTPacketID(3)))))
    }

    @Test func qos2ResentBeforeReleaseIsNotDeliveredTwice() {
        var machine = self.connected()
        let publish = self.publish(.exactlyOnce, id: 9)
        #expect(machine.packetReceived(.publish(publish)) == .publish(publish, topic: "a/b"))
        #expect(
            machine.publishRouted(publish, matched: true)
                == .send(.pubRec(MQTTPublishResponse(packetID: MQTTPacketID(9)))))
        var resent = publish
        resent.dup = true
        #expect(
            machine.packetReceived(.publish(resent)) == .send(.pubRec(MQTTPublishResponse(packetID: MQTTPacketID(9)))))
        #expect(
            machine.packetReceived(.pubRel(MQTTPublishResponse(packetID: MQTTPacketID(9))))
                == .send(.pubComp(MQTTPublishResponse(packetID: MQTTPacketID(9)))))
        // After PUBREL the id is free: a new PUBLISH with it is a new message.
        #expect(machine.packetReceived(.publish(publish)) == .publish(publish, topic: "a/b"))
    }

    @Test func inboundTopicAliases() {
        var machine = self.connected()
        var properties = MQTTProperties()
        properties.topicAlias = 2
        let first = self.publish(.atMostOnce, topic: "long/topic/name", properties: properties)
        #expect(machine.packetReceived(.publish(first)) == .publish(first, topic: "long/topic/name"))
        let aliased = self.publish(.atMostOnce, topic: "", properties: properties)
        #expect(machine.packetReceived(.publish(aliased)) == .publish(aliased, topic: "long/topic/name"))
    }

    @Test func unknownOrTooLargeTopicAlias() {
        var machine = self.connected()
        var properties = MQTTProperties()
        properties.topicAlias = 5
        #expect(
            machine.packetReceived(.publish(self.publish(.atMostOnce, topic: "", properties: properties)))
                == .close(.protocolError, sendDisconnect: true))
        var other = self.connected()
        properties.topicAlias = 1000
        #expect(
            other.packetReceived(.publish(self.publish(.atMostOnce, properties: properties)))
                == .close(.topicAliasInvalid, sendDisconnect: true))
    }

    @Test func wildcardInTopicNameIsInvalid() {
        var machine = self.connected()
        #expect(
            machine.packetReceived(.publish(self.publish(.atMostOnce, topic: "a/+")))
                == .close(.topicNameInvalid, sendDisconnect: true))
    }

    @Test func outboundQoS1AndQoS2Flows() throws {
        var machine = self.connected()
        let first = machine.deliveryReady(self.publish(.atLeastOnce), token: 100)
        let second = machine.deliveryReady(self.publish(.exactlyOnce), token: 200)
        let id1 = try #require(first?.packetID)
        let id2 = try #require(second?.packetID)
        #expect(id1 != id2)
        #expect(machine.inflightCount == 2)
        #expect(machine.packetReceived(.pubAck(MQTTPublishResponse(packetID: id1))) == .settle(100, reply: nil))
        #expect(machine.packetReceived(.pubAck(MQTTPublishResponse(packetID: id1))) == .none)
        #expect(
            machine.packetReceived(.pubRec(MQTTPublishResponse(packetID: id2)))
                == .settle(200, reply: .pubRel(MQTTPublishResponse(packetID: id2))))
        // A PUBREC repeated after the PUBREL was lost gets the PUBREL again.
        #expect(
            machine.packetReceived(.pubRec(MQTTPublishResponse(packetID: id2)))
                == .send(.pubRel(MQTTPublishResponse(packetID: id2))))
        #expect(machine.awaitingCompletion == [id2.rawValue])
        #expect(machine.pendingReleases == [.pubRel(MQTTPublishResponse(packetID: id2))])
        #expect(machine.packetReceived(.pubComp(MQTTPublishResponse(packetID: id2))) == .none)
        #expect(machine.inflightCount == 0)
    }

    @Test func receiveMaximumBoundsInflight() {
        var properties = MQTTProperties()
        properties.receiveMaximum = 2
        var machine = self.connected(properties: properties)
        #expect(machine.clientReceiveMaximum == 2)
        _ = machine.deliveryReady(self.publish(.atLeastOnce), token: 1)
        #expect(machine.canSendQoSDelivery)
        _ = machine.deliveryReady(self.publish(.atLeastOnce), token: 2)
        #expect(!machine.canSendQoSDelivery)
        #expect(Set(machine.unacknowledgedDeliveries()) == [1, 2])
        #expect(machine.canSendQoSDelivery)
    }

    @Test func outboundTopicAliasesWhenTheClientAllowsThem() {
        var properties = MQTTProperties()
        properties.topicAliasMaximum = 1
        var machine = self.connected(properties: properties)
        let first = machine.deliveryReady(self.publish(.atMostOnce, topic: "x/y"), token: 0)
        #expect(first?.topic == "x/y" && first?.properties.topicAlias == 1)
        let second = machine.deliveryReady(self.publish(.atMostOnce, topic: "x/y"), token: 0)
        #expect(second?.topic == "" && second?.properties.topicAlias == 1)
        let other = machine.deliveryReady(self.publish(.atMostOnce, topic: "z"), token: 0)
        #expect(other?.topic == "z" && other?.properties.topicAlias == nil)
        var v311 = self.connected(.v311, properties: properties)
        #expect(v311.deliveryReady(self.publish(.atMostOnce, topic: "x/y"), token: 0)?.properties.topicAlias == nil)
    }

    @Test func disconnectWithAndWithoutWill() {
        var machine = self.connected()
        #expect(
            machine.packetReceived(.disconnect(MQTTDisconnect()))
                == .disconnected(publishWill: false, sessionExpiry: nil))
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 30
        var withWill = self.connected(properties: properties)
        #expect(
            withWill.packetReceived(
                .disconnect(MQTTDisconnect(reasonCode: .disconnectWithWillMessage, properties: properties)))
                == .disconnected(publishWill: true, sessionExpiry: 30)
        )
    }

    @Test func sessionExpiryCannotBeSetAtDisconnectWhenItWasZero() {
        var machine = self.connected()
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 60
        #expect(
            machine.packetReceived(.disconnect(MQTTDisconnect(properties: properties)))
                == .close(.protocolError, sendDisconnect: true))
    }

    @Test func takeoverAndShutdownCloseWithTheirReason() {
        var machine = self.connected()
        #expect(machine.closeRequested(.sessionTakenOver) == .close(.sessionTakenOver, sendDisconnect: true))
        #expect(machine.closeRequested(.sessionTakenOver) == .none)
        var v311 = self.connected(.v311)
        #expect(v311.closeRequested(.serverShuttingDown) == .close(.serverShuttingDown, sendDisconnect: false))
    }

    @Test func restoredSessionResendsReleases() {
        var machine = Machine(clock: self.clock)
        _ = machine.packetReceived(.connect(self.connect()))
        _ = machine.connectAccepted(
            sessionPresent: true, inboundAwaitingRelease: [4], awaitingCompletion: [7], properties: MQTTProperties())
        #expect(machine.pendingReleases == [.pubRel(MQTTPublishResponse(packetID: MQTTPacketID(7)))])
        // A QoS 2 publish with id 4 was received before the reconnect and not released.
        #expect(
            machine.packetReceived(.publish(self.publish(.exactlyOnce, id: 4)))
                == .send(.pubRec(MQTTPublishResponse(packetID: MQTTPacketID(4)))))
        // Allocation skips ids still in use.
        for _ in 0..<10 {
            #expect(machine.deliveryReady(self.publish(.atLeastOnce), token: 0)?.packetID != MQTTPacketID(7))
        }
    }

    @Test func authIsRefused() {
        var machine = self.connected()
        #expect(machine.packetReceived(.auth(MQTTDisconnect())) == .close(.protocolError, sendDisconnect: true))
    }
}
