import JunctionCore
import JunctionCoreTestSupport
import NIOCore
import NIOEmbedded
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// The configured MQTT limits through the connection handler: session expiry of 3.1.1 persistent
/// sessions, inbound Receive Maximum, the keep-alive cap for 3.1.1 clients.
@Suite struct MQTTSessionLimitsHandlerTests {
    let broker = MQTTTestBroker()

    private var host: VirtualHost? { self.broker.broker.virtualHost("/") }

    @Test func persistent311SessionExpiresAfterTheCapOnceDisconnected() throws {
        self.broker.configuration.maximumSessionExpiry = 60
        let subscriber = try self.broker.client(.v311)
        try subscriber.connect(clientID: "keeper", cleanStart: false)
        _ = try subscriber.subscribe("p/#", qos: .atLeastOnce)
        // Connected for longer than the cap: expiry counts from the disconnect, not the CONNECT.
        subscriber.channel.embeddedEventLoop.advanceTime(by: .seconds(120))
        subscriber.drop()
        let publisher = try self.broker.client(.v311)
        try publisher.connect(clientID: "pub")
        try publisher.publish("p/1", "while away", qos: .atLeastOnce, id: 1)
        subscriber.channel.embeddedEventLoop.advanceTime(by: .seconds(59))
        #expect(self.host?.queue(named: "mqtt-subscription-keeper")?.readyCount == 1)
        #expect(try self.broker.server.sessions.load(clientID: "keeper") != nil)
        subscriber.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        // Its queue (with the message) and its state are gone.
        #expect(self.host?.queue(named: "mqtt-subscription-keeper") == nil)
        #expect(try self.broker.server.sessions.load(clientID: "keeper") == nil)
        let again = try self.broker.client(.v311)
        #expect(try again.connect(clientID: "keeper", cleanStart: false)?.sessionPresent == false)
        #expect(try again.publishes().isEmpty)
    }

    @Test func clientSendingMoreThanTheReceiveMaximumIsDisconnectedWith0x93() throws {
        self.broker.configuration.receiveMaximum = 2
        let client = try self.broker.client(.v5)
        #expect(try client.connect(clientID: "eager")?.properties.receiveMaximum == 2)
        // QoS 2 without PUBREL: each stays unacknowledged (PUBCOMP not sent).
        for id: UInt16 in 1...3 {
            try client.publish("t", "x", qos: .exactlyOnce, id: id)
        }
        #expect(
            try client.received() == [
                .pubRec(MQTTPublishResponse(packetID: MQTTPacketID(1), reasonCode: .noMatchingSubscribers)),
                .pubRec(MQTTPublishResponse(packetID: MQTTPacketID(2), reasonCode: .noMatchingSubscribers)),
                .disconnect(MQTTDisconnect(reasonCode: .receiveMaximumExceeded)),
            ])
        #expect(!client.isActive)
    }

    @Test func mqtt311KeepAliveAboveTheCapIsRefused() throws {
        self.broker.configuration.keepAliveMaximum = 30
        let client = try self.broker.client(.v311)
        // MQTTTestClient.connect asks for 60 s.
        #expect(try client.connect(clientID: "sleepy")?.reasonCode == .clientIdentifierNotValid)
        #expect(!client.isActive)
        #expect(self.broker.server.live["sleepy"] == nil)
    }
}
