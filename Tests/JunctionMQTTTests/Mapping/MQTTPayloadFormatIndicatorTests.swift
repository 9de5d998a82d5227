import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// [MQTT-3.3.2-4]: the Payload Format Indicator reaches subscribers unaltered, also after the
/// message went through a durable queue's record or the retained store, and is a header for the
/// other protocols.
@Suite struct MQTTPayloadFormatIndicatorTests {
    private func publish(indicator: UInt8?, retain: Bool = false) -> MQTTPublish {
        var properties = MQTTProperties()
        properties.payloadFormatIndicator = indicator
        properties.contentType = "text/plain"
        return MQTTPublish(
            topic: "pfi/t", qos: .atLeastOnce, retain: retain, packetID: MQTTPacketID(1), properties: properties,
            payload: ByteBuffer(string: "héllo"))
    }

    @Test(arguments: [UInt8(0), 1])
    func indicatorIsForwardedUnaltered(_ indicator: UInt8) {
        let message = MQTTMessageMapping.message(
            from: self.publish(indicator: indicator), topic: "pfi/t", exchange: "amq.topic", publisher: nil)
        #expect(message.properties.headers?[MQTTMessageMapping.payloadFormatIndicatorHeader] == .uint8(indicator))
        let delivered = MQTTMessageMapping.publish(from: message, qos: .atLeastOnce, retain: false, version: .v5)
        #expect(delivered.properties.payloadFormatIndicator == indicator)
        #expect(delivered.properties.contentType == "text/plain")
        // Not repeated as a user property.
        #expect(delivered.properties.userProperties.isEmpty)
    }

    @Test func absentIndicatorStaysAbsent() {
        let message = MQTTMessageMapping.message(
            from: self.publish(indicator: nil), topic: "pfi/t", exchange: "amq.topic", publisher: nil)
        #expect(message.properties.headers == nil)
        let delivered = MQTTMessageMapping.publish(from: message, qos: .atLeastOnce, retain: false, version: .v5)
        #expect(delivered.properties.payloadFormatIndicator == nil)
    }

    @Test func indicatorSurvivesTheStoredRecord() throws {
        let message = MQTTMessageMapping.message(
            from: self.publish(indicator: 1), topic: "pfi/t", exchange: "amq.topic", publisher: nil)
        let restored = try MessageRecordCodec.decode(MessageRecordCodec.encode(message))
        let delivered = MQTTMessageMapping.publish(from: restored, qos: .atLeastOnce, retain: false, version: .v5)
        #expect(delivered.properties.payloadFormatIndicator == 1)
    }

    @Test func headerFromAnotherProtocolBecomesTheIndicator() {
        var message = Message(exchange: "amq.topic", routingKey: "pfi.t", body: ByteBuffer(string: "x"))
        message.properties.headers = FieldTable()
        message.properties.headers!.entries.append((MQTTMessageMapping.payloadFormatIndicatorHeader, .int32(1)))
        #expect(
            MQTTMessageMapping.publish(from: message, qos: .atMostOnce, retain: false, version: .v5).properties
                .payloadFormatIndicator == 1)
        message.properties.headers = FieldTable()
        message.properties.headers!.entries.append((MQTTMessageMapping.payloadFormatIndicatorHeader, .int32(7)))
        #expect(
            MQTTMessageMapping.publish(from: message, qos: .atMostOnce, retain: false, version: .v5).properties
                .payloadFormatIndicator == nil)
    }

    @Test func subscriberAndRetainedSubscriberGetTheIndicator() throws {
        let broker = MQTTTestBroker()
        let subscriber = try broker.client(.v5)
        try subscriber.connect(clientID: "live")
        _ = try subscriber.subscribe("pfi/#", qos: .atLeastOnce)
        let publisher = try broker.client(.v5)
        try publisher.connect(clientID: "pub")
        try publisher.send(.publish(self.publish(indicator: 1, retain: true)))
        let live = try #require(try subscriber.publishes().first)
        #expect(live.properties.payloadFormatIndicator == 1)
        let later = try broker.client(.v5)
        try later.connect(clientID: "later")
        let retained = try later.subscribe("pfi/#", qos: .atLeastOnce).compactMap { packet -> MQTTPublish? in
            if case .publish(let publish) = packet { return publish }
            return nil
        }
        #expect(retained.map(\.properties.payloadFormatIndicator) == [1])
    }
}
