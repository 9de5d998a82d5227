import JunctionMQTTCodec
import JunctionTestSupport
import NIOCore
import Testing

@testable import JunctionMQTT

/// What the state machine keeps per state (what CONNECT negotiated, readable after close), the
/// outcome of an encoded delivery (maximum packet size, QoS 0 settlement, aliases), the unsupported
/// protocol level and the will delay, all without NIO.
@Suite struct MQTTSessionStateMachineDataTests {
    typealias Machine = MQTTSessionStateMachine<ManualClock, Int>
    let clock = ManualClock()

    func connected(_ properties: MQTTProperties = MQTTProperties(), keepAlive: UInt16 = 30) -> Machine {
        var machine = Machine(clock: self.clock)
        let connect = MQTTConnect(
            protocolVersion: .v5, clientID: "c", cleanStart: true, keepAlive: keepAlive, properties: properties)
        _ = machine.packetReceived(.connect(connect))
        _ = machine.connectAccepted(
            sessionPresent: false, inboundAwaitingRelease: [], awaitingCompletion: [], properties: MQTTProperties())
        return machine
    }

    func publish(_ qos: MQTTQoS, topic: String = "a/b") -> MQTTPublish {
        MQTTPublish(topic: topic, qos: qos, payload: ByteBuffer(string: "x"))
    }

    func prepare(_ machine: inout Machine, _ publish: MQTTPublish, token: Int) throws -> MQTTPublish {
        let prepared = machine.deliveryReady(publish, token: token)
        return try #require(prepared)
    }

    @Test func negotiatedValuesLiveInTheStateAndSurviveClose() {
        var properties = MQTTProperties()
        properties.receiveMaximum = 5
        properties.maximumPacketSize = 100
        properties.topicAliasMaximum = 3
        properties.sessionExpiryInterval = 60
        var machine = Machine(clock: self.clock)
        #expect(machine.version == .v311 && machine.clientReceiveMaximum == 65_535)
        _ = machine.packetReceived(
            .connect(
                MQTTConnect(
                    protocolVersion: .v5, clientID: "c", cleanStart: false, keepAlive: 20, properties: properties)))
        #expect(machine.version == .v5 && machine.keepAlive == .seconds(20))
        #expect(machine.clientReceiveMaximum == 5 && machine.clientMaximumPacketSize == 100)
        #expect(machine.clientTopicAliasMaximum == 3 && machine.sessionExpiry == 60)
        _ = machine.connectAccepted(
            sessionPresent: false, inboundAwaitingRelease: [], awaitingCompletion: [], properties: MQTTProperties())
        #expect(machine.closeRequested(.serverShuttingDown) == .close(.serverShuttingDown, sendDisconnect: true))
        // Closed: the last packets are still encoded for the client's version and limits.
        #expect(!machine.isConnected && machine.version == .v5 && machine.clientMaximumPacketSize == 100)
        #expect(machine.keepAliveDeadline == .seconds(30))
        #expect(machine.keepAliveTimerFired().next == nil)
    }

    @Test func theDeadlineIsTheConnectTimeoutUntilConnectThenKeepAlive() {
        var silent = Machine(clock: self.clock)
        self.clock.advance(by: .seconds(4))
        #expect(silent.deadlineReached(connectTimeout: .seconds(10)) == (.none, .seconds(6)))
        self.clock.advance(by: .seconds(6))
        let timedOut = silent.deadlineReached(connectTimeout: .seconds(10))
        #expect(timedOut.action == .close(.maximumConnectTime, sendDisconnect: false) && timedOut.next == nil)

        // While CONNECT is being decided (the session store), there is no deadline.
        var connecting = Machine(clock: self.clock)
        _ = connecting.packetReceived(
            .connect(MQTTConnect(protocolVersion: .v5, clientID: "c", cleanStart: true, keepAlive: 30)))
        self.clock.advance(by: .seconds(60))
        #expect(connecting.deadlineReached(connectTimeout: .seconds(10)) == (.none, nil))

        // Connected: 1.5 × keep-alive of silence [MQTT-3.1.2-24].
        var connected = self.connected(keepAlive: 30)
        self.clock.advance(by: .seconds(40))
        #expect(connected.deadlineReached(connectTimeout: .seconds(10)) == (.none, .seconds(5)))
        self.clock.advance(by: .seconds(5))
        #expect(
            connected.deadlineReached(connectTimeout: .seconds(10)).action
                == .close(.keepAliveTimeout, sendDisconnect: true))
        var noKeepAlive = self.connected(keepAlive: 0)
        #expect(noKeepAlive.deadlineReached(connectTimeout: .seconds(10)) == (.none, nil))
    }

    @Test func deliveryOverTheClientsMaximumPacketSizeIsDroppedAndSettled() throws {
        // [MQTT-3.1.2-25]
        var properties = MQTTProperties()
        properties.maximumPacketSize = 50
        var machine = self.connected(properties)
        let prepared = try self.prepare(&machine, self.publish(.atLeastOnce), token: 1)
        #expect(machine.inflightCount == 1)
        let dropped = machine.deliveryWritten(prepared, token: 1, encodedSize: 51)
        #expect(!dropped.send && dropped.settle == 1)
        #expect(machine.inflightCount == 0)
        let fits = try self.prepare(&machine, self.publish(.atLeastOnce), token: 2)
        let sent = machine.deliveryWritten(fits, token: 2, encodedSize: 50)
        #expect(sent.send && sent.settle == nil)
        #expect(machine.inflightCount == 1)
    }

    @Test func qos0IsSettledWhenWritten() throws {
        var machine = self.connected()
        let prepared = try self.prepare(&machine, self.publish(.atMostOnce), token: 9)
        let written = machine.deliveryWritten(prepared, token: 9, encodedSize: 10)
        #expect(written.send && written.settle == 9)
        #expect(machine.inflightCount == 0)
    }

    @Test func anAliasAnnouncedInADroppedPacketIsAnnouncedAgain() throws {
        var properties = MQTTProperties()
        properties.topicAliasMaximum = 2
        properties.maximumPacketSize = 50
        var machine = self.connected(properties)
        let first = try self.prepare(&machine, self.publish(.atMostOnce), token: 0)
        #expect(first.topic == "a/b" && first.properties.topicAlias == 1)
        _ = machine.deliveryWritten(first, token: 0, encodedSize: 500)
        // The client never saw alias 1: the next PUBLISH carries the topic again.
        let second = try self.prepare(&machine, self.publish(.atMostOnce), token: 0)
        #expect(second.topic == "a/b" && second.properties.topicAlias == 1)
        _ = machine.deliveryWritten(second, token: 0, encodedSize: 20)
        let third = try self.prepare(&machine, self.publish(.atMostOnce), token: 0)
        #expect(third.topic == "" && third.properties.topicAlias == 1)
    }

    @Test func unsupportedProtocolLevelIsRefusedInTheOldFormatBeforeConnect() {
        // [MQTT-3.1.2-2]
        var machine = Machine(clock: self.clock)
        #expect(
            machine.unsupportedProtocolVersion()
                == .refuseConnect(MQTTConnAck(sessionPresent: false, reasonCode: .unsupportedProtocolVersion)))
        #expect(machine.version == .v311)
        #expect(machine.packetReceived(.pingReq) == .none)
        var connected = self.connected()
        #expect(
            connected.unsupportedProtocolVersion() == .close(.unsupportedProtocolVersion, sendDisconnect: true))
    }

    @Test func willDelayNeverOutlivesTheSession() {
        // [MQTT-3.1.3-9]
        var properties = MQTTProperties()
        properties.willDelayInterval = 30
        let will = MQTTWill(
            topic: "w", payload: ByteBuffer(string: "gone"), qos: .atMostOnce, retain: false, properties: properties)
        #expect(MQTTConnectRules.willDelay(of: will, sessionExpiry: 10) == 10)
        #expect(MQTTConnectRules.willDelay(of: will, sessionExpiry: 60) == 30)
        #expect(MQTTConnectRules.willDelay(of: will, sessionExpiry: 0) == 0)
        let plain = MQTTWill(topic: "w", payload: ByteBuffer(), qos: .atMostOnce, retain: false)
        #expect(MQTTConnectRules.willDelay(of: plain, sessionExpiry: 60) == 0)
    }

    @Test func subscribeAndUnsubscribeCodes() {
        #expect(MQTTSubscribeRules.grantedCode(MQTTSubscription(filter: "a", qos: .exactlyOnce)).rawValue == 2)
        let entry = MQTTSessionSubscription(
            subscription: MQTTSubscription(filter: "a", qos: .atMostOnce), identifier: nil)
        #expect(MQTTSubscribeRules.unsubscribeCodes(removed: [entry, nil]) == [.success, .noSubscriptionExisted])
    }
}
