import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

@Suite struct MQTTMessageMappingTests {
    @Test func v5PropertiesBecomeMessagePropertiesAndHeaders() {
        var properties = MQTTProperties()
        properties.contentType = "application/json"
        properties.responseTopic = "replies/1"
        properties.correlationData = ByteBuffer(string: "req-1")
        properties.messageExpiryInterval = 30
        properties.userProperties = [MQTTUserProperty(name: "unit", value: "celsius")]
        let publish = MQTTPublish(
            topic: "sensors/k/temp", qos: .exactlyOnce, retain: true, properties: properties,
            payload: ByteBuffer(string: "21"))
        let message = MQTTMessageMapping.message(
            from: publish, topic: publish.topic, exchange: "amq.topic", publisher: nil)
        #expect(message.exchange == "amq.topic")
        #expect(message.routingKey == "sensors.k.temp")
        #expect(message.body == ByteBuffer(string: "21"))
        #expect(message.properties.contentType == "application/json")
        #expect(message.properties.replyTo == "replies/1")
        #expect(message.properties.correlationID == "req-1")
        #expect(message.properties.expiration == "30000")
        #expect(message.properties.deliveryMode == 2)
        #expect(message.properties.headers?["unit"] == .string("celsius"))
        #expect(MQTTMessageMapping.publishedQoS(of: message) == .exactlyOnce)
        #expect(MQTTMessageMapping.wasRetained(message))

        let back = MQTTMessageMapping.publish(from: message, qos: .atLeastOnce, retain: false, version: .v5)
        #expect(back.topic == "sensors/k/temp")
        #expect(back.properties.contentType == "application/json")
        #expect(back.properties.responseTopic == "replies/1")
        #expect(back.properties.correlationData == ByteBuffer(string: "req-1"))
        #expect(back.properties.messageExpiryInterval == 30)
        #expect(back.properties.userProperties == [MQTTUserProperty(name: "unit", value: "celsius")])
        #expect(
            MQTTMessageMapping.publish(from: message, qos: .atLeastOnce, retain: false, version: .v311).properties
                .isEmpty)
    }

    @Test func qos0AndQos1UseDeliveryModeOnly() {
        let qos0 = MQTTMessageMapping.message(
            from: MQTTPublish(topic: "a", qos: .atMostOnce, payload: ByteBuffer()),
            topic: "a",
            exchange: "amq.topic",
            publisher: nil
        )
        #expect(qos0.properties.deliveryMode == 1)
        #expect(qos0.properties.headers == nil)
        #expect(MQTTMessageMapping.publishedQoS(of: qos0) == .atMostOnce)
        let qos1 = MQTTMessageMapping.message(
            from: MQTTPublish(topic: "a", qos: .atLeastOnce, packetID: MQTTPacketID(1), payload: ByteBuffer()),
            topic: "a",
            exchange: "amq.topic",
            publisher: nil
        )
        #expect(qos1.properties.headers == nil)
        #expect(MQTTMessageMapping.publishedQoS(of: qos1) == .atLeastOnce)
    }

    @Test func amqpHeadersBecomeUserProperties() {
        var properties = MessageProperties(contentType: "text/plain", correlationID: "c-9")
        properties.headers = ["count": .int32(3), "flag": .boolean(true), "name": .string("x"), "table": .table([:])]
        let message = Message(
            exchange: "amq.topic", routingKey: "a.b", properties: properties, body: ByteBuffer(string: "hi"))
        let publish = MQTTMessageMapping.publish(from: message, qos: .atMostOnce, retain: false, version: .v5)
        #expect(publish.topic == "a/b")
        #expect(
            publish.properties.userProperties
                == [
                    MQTTUserProperty(name: "count", value: "3"), MQTTUserProperty(name: "flag", value: "true"),
                    MQTTUserProperty(name: "name", value: "x"),
                ]
        )
        #expect(publish.properties.correlationData == ByteBuffer(string: "c-9"))
    }

    @Test func binaryCorrelationDataTravelsInAHeader() {
        var properties = MQTTProperties()
        properties.correlationData = ByteBuffer(bytes: [0xFF, 0x00, 0x01])
        let message = MQTTMessageMapping.message(
            from: MQTTPublish(topic: "a", qos: .atMostOnce, properties: properties, payload: ByteBuffer()),
            topic: "a",
            exchange: "amq.topic",
            publisher: nil
        )
        #expect(message.properties.correlationID == nil)
        #expect(
            message.properties.headers?[MQTTMessageMapping.correlationDataHeader] == .byteArray([0xFF, 0x00, 0x01]))
        let back = MQTTMessageMapping.publish(from: message, qos: .atMostOnce, retain: false, version: .v5)
        #expect(back.properties.correlationData == ByteBuffer(bytes: [0xFF, 0x00, 0x01]))
    }

    @Test func brokerErrorsMapToReasonCodes() {
        #expect(MQTTReasonCode(BrokerError.accessRefused("x")) == .notAuthorized)
        #expect(MQTTReasonCode(BrokerError(.resourceError, "x")) == .quotaExceeded)
        #expect(MQTTReasonCode(BrokerError.notFound("x")) == .topicNameInvalid)
    }
}

/// Message expiry sent to subscribers is the time left since the PUBLISH was received.
@Suite struct MQTTMessageExpiryTimeLeftTests {
    func stamped(interval: UInt32, at receivedAt: UInt64) -> Message {
        var properties = MQTTProperties()
        properties.messageExpiryInterval = interval
        let publish = MQTTPublish(
            topic: "a", qos: .atLeastOnce, packetID: MQTTPacketID(1), properties: properties, payload: ByteBuffer())
        return MQTTMessageMapping.message(
            from: publish, topic: "a", exchange: "amq.topic", publisher: nil, receivedAt: receivedAt)
    }

    @Test func subscriberGetsTheTimeLeft() {
        let message = self.stamped(interval: 60, at: 1_000_000)
        let later = MQTTMessageMapping.publish(
            from: message, qos: .atLeastOnce, retain: false, version: .v5, now: 1_000_000 + 25_500)
        #expect(later.properties.messageExpiryInterval == 35)
        #expect(later.properties.userProperties.isEmpty)
        let atOnce = MQTTMessageMapping.publish(
            from: message, qos: .atLeastOnce, retain: false, version: .v5, now: 1_000_000)
        #expect(atOnce.properties.messageExpiryInterval == 60)
        // Still delivered past its time (the engine had not dropped it yet): at least 1 s.
        let late = MQTTMessageMapping.publish(
            from: message, qos: .atLeastOnce, retain: false, version: .v5, now: 1_000_000 + 90_000)
        #expect(late.properties.messageExpiryInterval == 1)
    }

    @Test func unstampedMessageKeepsItsInterval() {
        var properties = MessageProperties()
        properties.expiration = "10000"
        let message = Message(exchange: "amq.topic", routingKey: "a", properties: properties, body: ByteBuffer())
        let publish = MQTTMessageMapping.publish(
            from: message, qos: .atMostOnce, retain: false, version: .v5, now: 123_456)
        #expect(publish.properties.messageExpiryInterval == 10)
    }
}
