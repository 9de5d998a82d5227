import JunctionTestSupport
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// Packets captured from paho-mqtt and mosquitto_pub (`protocols/mqtt/capture_server.py`).
@Suite struct MQTTCodecVectorTests {
    func decode(_ name: String, version: MQTTProtocolVersion) throws -> MQTTPacket {
        var buffer = try Vectors.load("mqtt/\(name)")
        let packet = try #require(try MQTTPacket.decode(from: &buffer, version: version))
        #expect(buffer.readableBytes == 0)
        return packet
    }

    /// Encoding the decoded packet gives back the captured bytes.
    func expectReencodes(_ name: String, version: MQTTProtocolVersion) throws {
        let bytes = try Vectors.load("mqtt/\(name)")
        let packet = try self.decode(name, version: version)
        var encoded = ByteBuffer()
        encoded.writeMQTTPacket(packet, version: version)
        #expect(encoded == bytes, "\(name)")
    }

    @Test func vectorsNameTheirClient() throws {
        let comments = try Vectors.comments("mqtt/paho-v5-connect.hex")
        #expect(comments.first?.contains("paho-mqtt") == true)
        #expect(try Vectors.comments("mqtt/mosquitto-v5-publish.hex").first?.contains("mosquitto_pub") == true)
    }

    @Test func pahoV311Connect() throws {
        guard case .connect(let connect) = try self.decode("paho-v311-connect.hex", version: .v311) else {
            Issue.record("not a CONNECT")
            return
        }
        #expect(connect.protocolVersion == .v311)
        #expect(connect.clientID == "capture-311")
        #expect(!connect.cleanStart)
        #expect(connect.keepAlive == 30)
        #expect(connect.username == "guest")
        #expect(connect.password == ByteBuffer(string: "guest"))
        #expect(connect.will?.topic == "clients/capture-311/status")
        #expect(connect.will?.payload == ByteBuffer(string: "offline"))
        #expect(connect.will?.qos == .atLeastOnce)
        #expect(connect.will?.retain == true)
        try self.expectReencodes("paho-v311-connect.hex", version: .v311)
    }

    @Test func pahoV5ConnectWithPropertiesAndWillProperties() throws {
        guard case .connect(let connect) = try self.decode("paho-v5-connect.hex", version: .v5) else {
            Issue.record("not a CONNECT")
            return
        }
        #expect(connect.protocolVersion == .v5)
        #expect(connect.clientID == "capture-5")
        #expect(connect.cleanStart)
        #expect(connect.properties.sessionExpiryInterval == 300)
        #expect(connect.properties.receiveMaximum == 20)
        #expect(connect.properties.topicAliasMaximum == 10)
        #expect(connect.properties.userProperties == [MQTTUserProperty(name: "app", value: "capture")])
        #expect(connect.will?.properties.willDelayInterval == 5)
        #expect(connect.will?.properties.contentType == "text/plain")
        let bytes = try Vectors.load("mqtt/paho-v5-connect.hex")
        var encoded = ByteBuffer()
        encoded.writeMQTTPacket(.connect(connect), version: .v5)
        #expect(encoded.readableBytes == bytes.readableBytes)
        #expect(try MQTTPacket.decode(from: &encoded, version: .v5) == .connect(connect))
    }

    @Test func pahoV311Publishes() throws {
        guard case .publish(let qos0) = try self.decode("paho-v311-publish.hex", version: .v311),
            case .publish(let qos1) = try self.decode("paho-v311-publish-2.hex", version: .v311),
            case .publish(let qos2) = try self.decode("paho-v311-publish-3.hex", version: .v311)
        else {
            Issue.record("not PUBLISH")
            return
        }
        #expect(qos0.topic == "sensors/kitchen/temp")
        #expect(qos0.qos == .atMostOnce && qos0.packetID == nil)
        #expect(qos0.payload == ByteBuffer(string: "21.5"))
        #expect(qos1.qos == .atLeastOnce && qos1.packetID != nil)
        #expect(qos2.qos == .exactlyOnce && qos2.retain)
        for name in ["paho-v311-publish.hex", "paho-v311-publish-2.hex", "paho-v311-publish-3.hex"] {
            try self.expectReencodes(name, version: .v311)
        }
    }

    @Test func pahoV5PublishWithProperties() throws {
        guard case .publish(let publish) = try self.decode("paho-v5-publish.hex", version: .v5) else {
            Issue.record("not PUBLISH")
            return
        }
        #expect(publish.topic == "sensors/kitchen/temp")
        #expect(publish.properties.contentType == "application/json")
        #expect(publish.properties.responseTopic == "replies/capture-5")
        #expect(publish.properties.correlationData == ByteBuffer(string: "req-17"))
        #expect(publish.properties.messageExpiryInterval == 60)
        #expect(publish.properties.payloadFormatIndicator == 1)
        #expect(
            publish.properties.userProperties
                == [MQTTUserProperty(name: "unit", value: "celsius"), MQTTUserProperty(name: "room", value: "kitchen")]
        )
        #expect(publish.payload == ByteBuffer(string: #"{"t":21.5}"#))
        var encoded = ByteBuffer()
        encoded.writeMQTTPacket(.publish(publish), version: .v5)
        #expect(try MQTTPacket.decode(from: &encoded, version: .v5) == .publish(publish))
    }

    @Test func pahoV5PublishWithTopicAlias() throws {
        guard case .publish(let publish) = try self.decode("paho-v5-publish-2.hex", version: .v5) else {
            Issue.record("not PUBLISH")
            return
        }
        #expect(publish.topic == "sensors/hall/temp")
        #expect(publish.properties.topicAlias == 3)
        #expect(publish.qos == .exactlyOnce)
        try self.expectReencodes("paho-v5-publish-2.hex", version: .v5)
        try self.expectReencodes("paho-v5-publish-3.hex", version: .v5)
    }

    @Test func subscribeAndUnsubscribe() throws {
        guard case .subscribe(let v311) = try self.decode("paho-v311-subscribe.hex", version: .v311) else {
            Issue.record("not SUBSCRIBE")
            return
        }
        #expect(v311.subscriptions.map(\.filter) == ["sensors/+/temp", "alerts/#"])
        #expect(v311.subscriptions.map(\.qos) == [.atLeastOnce, .exactlyOnce])
        try self.expectReencodes("paho-v311-subscribe.hex", version: .v311)

        guard case .subscribe(let v5) = try self.decode("paho-v5-subscribe.hex", version: .v5) else {
            Issue.record("not SUBSCRIBE")
            return
        }
        #expect(v5.properties.subscriptionIdentifiers == [42])
        let first = try #require(v5.subscriptions.first)
        #expect(first.noLocal && first.retainAsPublished && first.retainHandling == .sendOnNewSubscribe)
        #expect(v5.subscriptions.last?.filter == "$share/workers/jobs/#")
        try self.expectReencodes("paho-v5-subscribe.hex", version: .v5)

        guard case .unsubscribe(let unsubscribe) = try self.decode("paho-v311-unsubscribe.hex", version: .v311) else {
            Issue.record("not UNSUBSCRIBE")
            return
        }
        #expect(unsubscribe.filters == ["alerts/#"])
        try self.expectReencodes("paho-v311-unsubscribe.hex", version: .v311)
        try self.expectReencodes("paho-v5-unsubscribe.hex", version: .v5)
    }

    @Test func acknowledgementsPingAndDisconnect() throws {
        for version in ["v311", "v5"] {
            let protocolVersion: MQTTProtocolVersion = version == "v5" ? .v5 : .v311
            guard case .pubAck(let ack) = try self.decode("paho-\(version)-puback.hex", version: protocolVersion),
                case .pubRec(let rec) = try self.decode("paho-\(version)-pubrec.hex", version: protocolVersion),
                case .pubComp(let comp) = try self.decode("paho-\(version)-pubcomp.hex", version: protocolVersion),
                case .pubRel = try self.decode("paho-\(version)-pubrel.hex", version: protocolVersion)
            else {
                Issue.record("acknowledgements of \(version)")
                continue
            }
            #expect(ack.packetID == MQTTPacketID(0x0101))
            #expect(rec.packetID == MQTTPacketID(0x0102))
            #expect(comp.packetID == MQTTPacketID(0x0102))
            for name in ["puback", "pubrec", "pubrel", "pubcomp", "disconnect"] {
                try self.expectReencodes("paho-\(version)-\(name).hex", version: protocolVersion)
            }
        }
        #expect(try self.decode("paho-v311-pingreq.hex", version: .v311) == .pingReq)
        guard case .disconnect(let disconnect) = try self.decode("paho-v5-disconnect.hex", version: .v5) else {
            Issue.record("not DISCONNECT")
            return
        }
        #expect(disconnect.reasonCode == .disconnectWithWillMessage)
        #expect(disconnect.properties.sessionExpiryInterval == 0)
    }

    @Test func mosquittoPub() throws {
        for (version, protocolVersion) in [("v311", MQTTProtocolVersion.v311), ("v5", .v5)] {
            guard
                case .connect(let connect) = try self.decode(
                    "mosquitto-\(version)-connect.hex", version: protocolVersion),
                case .publish(let publish) = try self.decode(
                    "mosquitto-\(version)-publish.hex", version: protocolVersion)
            else {
                Issue.record("mosquitto \(version)")
                continue
            }
            #expect(connect.protocolVersion == protocolVersion)
            #expect(connect.clientID.hasPrefix("mosq-"))
            #expect(publish.topic == "home/lamp/state")
            #expect(publish.retain && publish.qos == .atLeastOnce)
            #expect(publish.payload == ByteBuffer(string: "on"))
            if protocolVersion == .v5 {
                #expect(publish.properties.userProperties == [MQTTUserProperty(name: "source", value: "mosquitto")])
            }
            for name in ["connect", "publish", "disconnect"] {
                try self.expectReencodes("mosquitto-\(version)-\(name).hex", version: protocolVersion)
            }
        }
    }

    /// Every prefix of a captured packet is incomplete, never an error, and consumes nothing.
    @Test func everyPrefixIsIncomplete() throws {
        let bytes = try Vectors.load("mqtt/paho-v5-publish.hex")
        for length in 0..<bytes.readableBytes {
            var prefix = bytes.getSlice(at: 0, length: length)!
            #expect(try MQTTPacket.decode(from: &prefix, version: .v5) == nil)
            #expect(prefix.readableBytes == length)
        }
    }
}
