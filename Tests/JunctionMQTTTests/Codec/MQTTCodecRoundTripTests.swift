import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// Every packet type, both versions: encode, decode, compare. Server packets also against bytes
/// written out from the specification's layouts.
@Suite struct MQTTCodecRoundTripTests {
    func roundTrip(_ packet: MQTTPacket, _ version: MQTTProtocolVersion) throws {
        var buffer = ByteBuffer()
        buffer.writeMQTTPacket(packet, version: version)
        let decoded = try MQTTPacket.decode(from: &buffer, version: version)
        #expect(decoded == packet)
        #expect(buffer.readableBytes == 0)
    }

    func bytes(_ packet: MQTTPacket, _ version: MQTTProtocolVersion) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeMQTTPacket(packet, version: version)
        return Array(buffer.readableBytesView)
    }

    @Test func everyPacketRoundTripsInBothVersions() throws {
        var properties = MQTTProperties()
        properties.reasonString = "because"
        properties.userProperties = [MQTTUserProperty(name: "k", value: "v")]
        let id = MQTTPacketID(7)
        for version in [MQTTProtocolVersion.v311, .v5] {
            let v5Properties = version == .v5 ? properties : MQTTProperties()
            var willProperties = MQTTProperties()
            if version == .v5 { willProperties.willDelayInterval = 9 }
            let packets: [MQTTPacket] = [
                .connect(
                    MQTTConnect(
                        protocolVersion: version,
                        clientID: "c",
                        cleanStart: true,
                        keepAlive: 60,
                        username: "u",
                        password: ByteBuffer(string: "p"),
                        will: MQTTWill(
                            topic: "w", payload: ByteBuffer(string: "bye"), qos: .exactlyOnce, retain: true,
                            properties: willProperties),
                        properties: v5Properties
                    )
                ),
                .connAck(MQTTConnAck(sessionPresent: true, reasonCode: .success, properties: v5Properties)),
                .connAck(MQTTConnAck(sessionPresent: false, reasonCode: .badUserNameOrPassword)),
                .publish(MQTTPublish(topic: "a/b", qos: .atMostOnce, payload: ByteBuffer(string: "x"))),
                .publish(
                    MQTTPublish(
                        topic: "a/b", qos: .exactlyOnce, retain: true, dup: true, packetID: id,
                        properties: v5Properties, payload: ByteBuffer())),
                .pubAck(MQTTPublishResponse(packetID: id)),
                .pubRec(MQTTPublishResponse(packetID: id)),
                .pubRel(MQTTPublishResponse(packetID: id)),
                .pubComp(MQTTPublishResponse(packetID: id)),
                .subscribe(
                    MQTTSubscribe(
                        packetID: id, subscriptions: [MQTTSubscription(filter: "a/+", qos: .atLeastOnce)],
                        properties: v5Properties)),
                .subAck(MQTTSubAck(packetID: id, reasonCodes: [.grantedQoS1, .grantedQoS2], properties: v5Properties)),
                .unsubscribe(MQTTUnsubscribe(packetID: id, filters: ["a/+", "b/#"], properties: v5Properties)),
                .pingReq,
                .pingResp,
                .disconnect(MQTTDisconnect()),
            ]
            for packet in packets {
                try self.roundTrip(packet, version)
            }
            if version == .v5 {
                try self.roundTrip(
                    .unsubAck(MQTTSubAck(packetID: id, reasonCodes: [.success, .noSubscriptionExisted])), .v5)
                try self.roundTrip(.pubAck(MQTTPublishResponse(packetID: id, reasonCode: .noMatchingSubscribers)), .v5)
                try self.roundTrip(
                    .pubRec(MQTTPublishResponse(packetID: id, reasonCode: .quotaExceeded, properties: properties)), .v5)
                try self.roundTrip(
                    .disconnect(MQTTDisconnect(reasonCode: .sessionTakenOver, properties: properties)), .v5)
                try self.roundTrip(
                    .auth(MQTTDisconnect(reasonCode: MQTTReasonCode(rawValue: 0x18), properties: properties)), .v5)
                try self.roundTrip(
                    .subscribe(
                        MQTTSubscribe(
                            packetID: id,
                            subscriptions: [
                                MQTTSubscription(
                                    filter: "x", qos: .exactlyOnce, noLocal: true, retainAsPublished: true,
                                    retainHandling: .doNotSend)
                            ]
                        )
                    ),
                    .v5
                )
            } else {
                try self.roundTrip(.unsubAck(MQTTSubAck(packetID: id, reasonCodes: [])), .v311)
            }
        }
    }

    @Test func serverPacketsMatchTheSpecificationLayout() {
        // CONNACK 3.1.1: 20 02 <session present> <return code>.
        #expect(
            self.bytes(.connAck(MQTTConnAck(sessionPresent: true, reasonCode: .success)), .v311) == [
                0x20, 0x02, 0x01, 0x00,
            ])
        #expect(
            self.bytes(.connAck(MQTTConnAck(sessionPresent: false, reasonCode: .notAuthorized)), .v311) == [
                0x20, 0x02, 0x00, 0x05,
            ])
        #expect(
            self.bytes(.connAck(MQTTConnAck(sessionPresent: false, reasonCode: .badUserNameOrPassword)), .v311) == [
                0x20, 0x02, 0x00, 0x04,
            ])
        // CONNACK 5 with an assigned client identifier "id".
        var properties = MQTTProperties()
        properties.assignedClientIdentifier = "id"
        #expect(
            self.bytes(.connAck(MQTTConnAck(sessionPresent: false, reasonCode: .success, properties: properties)), .v5)
                == [0x20, 0x08, 0x00, 0x00, 0x05, 0x12, 0x00, 0x02, 0x69, 0x64]
        )
        // SUBACK 3.1.1 failure is 0x80 whatever the 5.0 reason.
        #expect(
            self.bytes(
                .subAck(MQTTSubAck(packetID: MQTTPacketID(1), reasonCodes: [.grantedQoS1, .topicFilterInvalid])), .v311)
                == [0x90, 0x04, 0x00, 0x01, 0x01, 0x80])
        #expect(
            self.bytes(.subAck(MQTTSubAck(packetID: MQTTPacketID(1), reasonCodes: [.topicFilterInvalid])), .v5) == [
                0x90, 0x04, 0x00, 0x01, 0x00, 0x8F,
            ])
        // PUBACK 5 with success and no properties uses the short form.
        #expect(self.bytes(.pubAck(MQTTPublishResponse(packetID: MQTTPacketID(5))), .v5) == [0x40, 0x02, 0x00, 0x05])
        #expect(
            self.bytes(.pubAck(MQTTPublishResponse(packetID: MQTTPacketID(5), reasonCode: .noMatchingSubscribers)), .v5)
                == [0x40, 0x03, 0x00, 0x05, 0x10])
        #expect(self.bytes(.pubRel(MQTTPublishResponse(packetID: MQTTPacketID(5))), .v311) == [0x62, 0x02, 0x00, 0x05])
        #expect(self.bytes(.disconnect(MQTTDisconnect(reasonCode: .sessionTakenOver)), .v5) == [0xE0, 0x01, 0x8E])
        #expect(self.bytes(.disconnect(MQTTDisconnect()), .v5) == [0xE0, 0x00])
        #expect(self.bytes(.pingResp, .v311) == [0xD0, 0x00])
        #expect(
            self.bytes(.unsubAck(MQTTSubAck(packetID: MQTTPacketID(2), reasonCodes: [.success])), .v311) == [
                0xB0, 0x02, 0x00, 0x02,
            ])
    }

    @Test func variableByteIntegerBoundaries() throws {
        for (value, length) in [
            (0, 1), (127, 1), (128, 2), (16_383, 2), (16_384, 3), (2_097_151, 3), (2_097_152, 4), (268_435_455, 4),
        ] {
            var buffer = ByteBuffer()
            #expect(buffer.writeMQTTVariableByteInteger(value) == length)
            #expect(try buffer.readMQTTVariableByteInteger() == value)
        }
    }

    @Test func largePublishLengthIsMinimal() throws {
        let payload = ByteBuffer(repeating: 0x41, count: 200_000)
        var buffer = ByteBuffer()
        let written = buffer.writeMQTTPacket(
            .publish(MQTTPublish(topic: "t", qos: .atMostOnce, payload: payload)), version: .v311)
        #expect(written == 1 + 3 + 3 + 200_000)
        #expect(
            try MQTTPacket.decode(from: &buffer, version: .v311)
                == .publish(MQTTPublish(topic: "t", qos: .atMostOnce, payload: payload)))
    }
}
