import JunctionCore
import JunctionCoreTestSupport
import JunctionTransport
import NIOCore
import NIOEmbedded
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

@Suite struct MQTTConnectionHandlerTests {
    let broker = MQTTTestBroker()

    @Test func connectAndPingInOneReadAnswerInOrder() throws {
        let client = try self.broker.client(.v311)
        try client.send(
            .connect(MQTTConnect(protocolVersion: .v311, clientID: "c1", cleanStart: true, keepAlive: 30)),
            .pingReq
        )
        let packets = try client.received()
        #expect(packets == [.connAck(MQTTConnAck(sessionPresent: false, reasonCode: .success)), .pingResp])
    }

    @Test func packetBeforeConnectClosesTheConnection() throws {
        let client = try self.broker.client(.v311)
        try client.send(.pingReq)
        #expect(try client.received().isEmpty)
        #expect(!client.isActive)
    }

    @Test func oversizeHeaderClosesBeforeTheBodyArrives() throws {
        let client = try self.broker.client(.v5)
        try client.connect(clientID: "big")
        // Only the fixed header: 4,000 bytes announced with a 1,024-byte limit.
        try client.sendRaw(ByteBuffer(bytes: [0x30, 0xA0, 0x1F]))
        #expect(try client.received() == [.disconnect(MQTTDisconnect(reasonCode: .packetTooLarge))])
        #expect(!client.isActive)
    }

    @Test func malformedPacketAffectsOnlyThatClient() throws {
        let good = try self.broker.client(.v311)
        try good.connect(clientID: "good")
        _ = try good.subscribe("t", qos: .atMostOnce)
        let bad = try self.broker.client(.v311)
        try bad.connect(clientID: "bad")
        try bad.sendRaw(ByteBuffer(bytes: [0x36, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01]))  // QoS 3
        #expect(!bad.isActive)
        let publisher = try self.broker.client(.v311)
        try publisher.connect(clientID: "pub")
        try publisher.publish("t", "still here")
        #expect(try good.publishes().map(\.payload) == [ByteBuffer(string: "still here")])
    }

    @Test func unsupportedProtocolLevelGetsConnAck1() throws {
        let client = try self.broker.client(.v311)
        try client.sendRaw(
            ByteBuffer(bytes: [0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x03, 0x02, 0x00, 0x3C, 0x00, 0x00]))
        #expect(
            try client.received() == [
                .connAck(MQTTConnAck(sessionPresent: false, reasonCode: .unsupportedProtocolVersion))
            ])
        #expect(!client.isActive)
    }

    @Test func credentialsAreChecked() throws {
        let wrong = try self.broker.client(.v311)
        #expect(
            try wrong.connect(clientID: "a", username: "user", password: "nope")?.reasonCode == .badUserNameOrPassword)
        #expect(!wrong.isActive)
        let right = try self.broker.client(.v5)
        #expect(try right.connect(clientID: "b", username: "user", password: "pass")?.reasonCode == .success)
        self.broker.configuration.anonymousUser = nil
        let anonymous = try self.broker.client(.v5)
        #expect(try anonymous.connect(clientID: "c")?.reasonCode == .notAuthorized)
    }

    @Test func emptyClientIDIsAssignedInV5AndRefusedWithoutCleanSessionIn311() throws {
        let v5 = try self.broker.client(.v5)
        let ack = try #require(try v5.connect(clientID: ""))
        #expect(ack.reasonCode == .success)
        #expect(ack.properties.assignedClientIdentifier?.isEmpty == false)
        let v311 = try self.broker.client(.v311)
        #expect(try v311.connect(clientID: "", cleanStart: false)?.reasonCode == .clientIdentifierNotValid)
    }

    @Test func qosIsTheMinimumOfPublishAndSubscription() throws {
        let subscriber = try self.broker.client(.v5)
        try subscriber.connect(clientID: "sub")
        #expect(
            try subscriber.subscribe("s/+/t", qos: .atLeastOnce) == [
                .subAck(MQTTSubAck(packetID: MQTTPacketID(1), reasonCodes: [.grantedQoS1]))
            ])
        let publisher = try self.broker.client(.v5)
        try publisher.connect(clientID: "pub")
        try publisher.publish("s/k/t", "two", qos: .exactlyOnce, id: 5)
        #expect(try publisher.received() == [.pubRec(MQTTPublishResponse(packetID: MQTTPacketID(5)))])
        try publisher.publish("s/k/t", "zero")
        let delivered = try subscriber.publishes()
        #expect(delivered.map(\.qos) == [.atLeastOnce, .atMostOnce])
        #expect(delivered.map(\.topic) == ["s/k/t", "s/k/t"])
        let id = try #require(delivered.first?.packetID)
        try subscriber.send(.pubAck(MQTTPublishResponse(packetID: id)))
        #expect(self.broker.broker.virtualHost("/")?.queue(named: "mqtt-subscription-sub")?.unackedCount == 0)
    }

    @Test func resentQoS2PublishIsDeliveredOnce() throws {
        let subscriber = try self.broker.client(.v311)
        try subscriber.connect(clientID: "sub")
        _ = try subscriber.subscribe("x", qos: .exactlyOnce)
        let publisher = try self.broker.client(.v311)
        try publisher.connect(clientID: "pub")
        try publisher.publish("x", "once", qos: .exactlyOnce, id: 9)
        try publisher.send(
            .publish(
                MQTTPublish(
                    topic: "x", qos: .exactlyOnce, dup: true, packetID: MQTTPacketID(9),
                    payload: ByteBuffer(string: "once"))))
        try publisher.send(.pubRel(MQTTPublishResponse(packetID: MQTTPacketID(9))))
        #expect(
            try publisher.received() == [
                .pubRec(MQTTPublishResponse(packetID: MQTTPacketID(9))),
                .pubRec(MQTTPublishResponse(packetID: MQTTPacketID(9))),
                .pubComp(MQTTPublishResponse(packetID: MQTTPacketID(9))),
            ]
        )
        #expect(try subscriber.publishes().count == 1)
    }

    @Test func persistentSessionKeepsMessagesWhileOffline() throws {
        let subscriber = try self.broker.client(.v311)
        #expect(try subscriber.connect(clientID: "keeper", cleanStart: false)?.sessionPresent == false)
        _ = try subscriber.subscribe("p/#", qos: .atLeastOnce)
        subscriber.drop()
        let publisher = try self.broker.client(.v311)
        try publisher.connect(clientID: "pub")
        try publisher.publish("p/1", "while away", qos: .atLeastOnce, id: 1)
        let again = try self.broker.client(.v311)
        try again.send(
            .connect(MQTTConnect(protocolVersion: .v311, clientID: "keeper", cleanStart: false, keepAlive: 60)))
        let packets = try again.received()
        #expect(packets.first == .connAck(MQTTConnAck(sessionPresent: true, reasonCode: .success)))
        guard case .publish(let publish)? = packets.dropFirst().first else {
            Issue.record("no stored message: \(packets)")
            return
        }
        #expect(publish.payload == ByteBuffer(string: "while away"))
        #expect(publish.qos == .atLeastOnce)
    }

    @Test func cleanSessionDiscardsTheQueue() throws {
        let subscriber = try self.broker.client(.v311)
        try subscriber.connect(clientID: "clean", cleanStart: true)
        _ = try subscriber.subscribe("c/#", qos: .atLeastOnce)
        #expect(self.broker.broker.virtualHost("/")?.queue(named: "mqtt-subscription-clean") != nil)
        subscriber.drop()
        #expect(self.broker.broker.virtualHost("/")?.queue(named: "mqtt-subscription-clean") == nil)
    }

    @Test func sessionTakeoverDisconnectsTheFirstWith0x8E() throws {
        let first = try self.broker.client(.v5)
        try first.connect(clientID: "same")
        let second = try self.broker.client(.v5)
        #expect(try second.connect(clientID: "same")?.reasonCode == .success)
        #expect(try first.received() == [.disconnect(MQTTDisconnect(reasonCode: .sessionTakenOver))])
        #expect(!first.isActive)
        #expect(second.isActive)
    }

    @Test func willOnSocketDropButNotOnDisconnect() throws {
        let watcher = try self.broker.client(.v311)
        try watcher.connect(clientID: "watcher")
        _ = try watcher.subscribe("wills/#", qos: .atMostOnce)
        let will = MQTTWill(topic: "wills/a", payload: ByteBuffer(string: "gone"), qos: .atMostOnce, retain: false)
        let polite = try self.broker.client(.v311)
        try polite.connect(clientID: "polite", will: will)
        try polite.send(.disconnect(MQTTDisconnect()))
        #expect(try watcher.publishes().isEmpty)
        let rude = try self.broker.client(.v311)
        try rude.connect(clientID: "rude", will: will)
        rude.drop()
        #expect(try watcher.publishes().map(\.payload) == [ByteBuffer(string: "gone")])
    }

    @Test func retainedMessagesOnSubscribeAndClearedByEmptyPayload() throws {
        let publisher = try self.broker.client(.v311)
        try publisher.connect(clientID: "pub")
        try publisher.publish("r/a", "kept", qos: .atLeastOnce, id: 1, retain: true)
        try publisher.publish("r/b", "also", retain: true)
        let subscriber = try self.broker.client(.v5)
        try subscriber.connect(clientID: "sub")
        let packets = try subscriber.subscribe("r/+", qos: .atLeastOnce)
        #expect(packets.first == .subAck(MQTTSubAck(packetID: MQTTPacketID(1), reasonCodes: [.grantedQoS1])))
        let retained = packets.compactMap { packet -> MQTTPublish? in
            if case .publish(let publish) = packet { return publish }
            return nil
        }
        #expect(Set(retained.map(\.topic)) == ["r/a", "r/b"])
        #expect(retained.allSatisfy { $0.retain })
        try publisher.publish("r/a", "", retain: true)
        let later = try self.broker.client(.v5)
        try later.connect(clientID: "later")
        let second = try later.subscribe("r/#", qos: .atMostOnce, retainHandling: .sendOnSubscribe)
        #expect(second.count == 2)
        let none = try self.broker.client(.v5)
        try none.connect(clientID: "none")
        #expect(try none.subscribe("r/#", qos: .atMostOnce, retainHandling: .doNotSend).count == 1)
    }

    @Test func invalidFilterGetsFailureCode() throws {
        let client = try self.broker.client(.v311)
        try client.connect(clientID: "c")
        // 3.1.1 has one failure code, 0x80.
        #expect(
            try client.subscribe("a/#/b", qos: .atMostOnce) == [
                .subAck(MQTTSubAck(packetID: MQTTPacketID(1), reasonCodes: [.unspecifiedError]))
            ])
        let v5 = try self.broker.client(.v5)
        try v5.connect(clientID: "d")
        #expect(
            try v5.subscribe("$share/+/x", qos: .atMostOnce) == [
                .subAck(MQTTSubAck(packetID: MQTTPacketID(1), reasonCodes: [.topicFilterInvalid]))
            ])
    }

    @Test func sharedSubscriptionDeliversToOneMemberOfTheGroup() throws {
        let first = try self.broker.client(.v5)
        try first.connect(clientID: "w1")
        _ = try first.subscribe("$share/g/jobs/#", qos: .atLeastOnce)
        let second = try self.broker.client(.v5)
        try second.connect(clientID: "w2")
        _ = try second.subscribe("$share/g/jobs/#", qos: .atLeastOnce)
        let publisher = try self.broker.client(.v5)
        try publisher.connect(clientID: "pub")
        for index in 0..<4 {
            try publisher.publish("jobs/\(index)", "job", qos: .atLeastOnce, id: UInt16(index + 1))
        }
        let a = try first.publishes()
        let b = try second.publishes()
        #expect(a.count + b.count == 4)
        #expect(a.count == 2 && b.count == 2)
        first.drop()
        #expect(self.broker.broker.virtualHost("/")?.queue(named: "mqtt-share/g/jobs/#") != nil)
        second.drop()
        // The group's queue goes with the last clean member.
        #expect(self.broker.broker.virtualHost("/")?.queue(named: "mqtt-share/g/jobs/#") == nil)
    }

    @Test func unroutedQoS1GetsNoMatchingSubscribersInV5() throws {
        let publisher = try self.broker.client(.v5)
        try publisher.connect(clientID: "pub")
        try publisher.publish("nobody/listens", "x", qos: .atLeastOnce, id: 2)
        #expect(
            try publisher.received() == [
                .pubAck(MQTTPublishResponse(packetID: MQTTPacketID(2), reasonCode: .noMatchingSubscribers))
            ])
    }

    @Test func resourceAlarmPausesPublishersOnly() throws {
        let subscriber = try self.broker.client(.v311)
        try subscriber.connect(clientID: "sub")
        _ = try subscriber.subscribe("t", qos: .atMostOnce)
        let publisher = try self.broker.client(.v311)
        try publisher.connect(clientID: "pub")
        try publisher.publish("t", "before")
        for client in [subscriber, publisher] {
            client.channel.pipeline.fireUserInboundEventTriggered(ResourceAlarmEvent.raised(reason: "memory"))
        }
        #expect(publisher.handler.readingPaused)
        #expect(!subscriber.handler.readingPaused)
        for client in [subscriber, publisher] {
            client.channel.pipeline.fireUserInboundEventTriggered(ResourceAlarmEvent.cleared)
        }
        #expect(!publisher.handler.readingPaused)
        #expect(try subscriber.publishes().count == 1)
    }

    @Test func shutdownSendsServerShuttingDown() throws {
        let client = try self.broker.client(.v5)
        try client.connect(clientID: "c")
        client.channel.pipeline.fireUserInboundEventTriggered(BrokerShutdownEvent())
        #expect(try client.received() == [.disconnect(MQTTDisconnect(reasonCode: .serverShuttingDown))])
        #expect(!client.isActive)
    }
}
