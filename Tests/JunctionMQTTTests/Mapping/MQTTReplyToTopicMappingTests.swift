import JunctionCore
import JunctionModel
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// RabbitMQ's `x-reply-to-topic`: an MQTT 5 Response Topic as an `amq.topic` routing key, both ways.
@Suite struct MQTTReplyToTopicMappingTests {
    @Test func aResponseTopicIsAlsoGivenAsARoutingKey() {
        var properties = MQTTProperties()
        properties.responseTopic = "replies/client-1"
        properties.userProperties = [MQTTUserProperty(name: "x-reply-to-topic", value: "forged")]
        let publish = MQTTPublish(
            topic: "svc/requests", qos: .atLeastOnce, packetID: MQTTPacketID(1), properties: properties,
            payload: ByteBuffer(string: "q"))
        let message = MQTTMessageMapping.message(
            from: publish, topic: publish.topic, exchange: "amq.topic", publisher: nil)
        #expect(message.properties.replyTo == "replies/client-1")
        // The client's user property of that name is not copied: the header is the broker's.
        #expect(message.properties.headers?.entries.map(\.key) == ["x-reply-to-topic"])
        #expect(message.properties.headers?["x-reply-to-topic"] == .string("replies.client-1"))
        let back = MQTTMessageMapping.publish(from: message, qos: .atLeastOnce, retain: false, version: .v5)
        #expect(back.properties.responseTopic == "replies/client-1")
        #expect(back.properties.userProperties.isEmpty)
    }

    @Test func anAMQPRequestWithTheHeaderHasAResponseTopic() {
        var properties = MessageProperties()
        properties.correlationID = "c-7"
        properties.headers = ["x-reply-to-topic": .string("replies.amqp-1"), "tenant": .string("a")]
        let message = Message(
            exchange: "amq.topic", routingKey: "svc.requests", properties: properties, body: ByteBuffer())
        let publish = MQTTMessageMapping.publish(from: message, qos: .atLeastOnce, retain: false, version: .v5)
        #expect(publish.properties.responseTopic == "replies/amqp-1")
        #expect(publish.properties.correlationData == ByteBuffer(string: "c-7"))
        #expect(publish.properties.userProperties == [MQTTUserProperty(name: "tenant", value: "a")])
    }

    @Test func withoutAResponseTopicNoHeaderIsAdded() {
        let message = MQTTMessageMapping.message(
            from: MQTTPublish(topic: "a", qos: .atMostOnce, payload: ByteBuffer()), topic: "a",
            exchange: "amq.topic", publisher: nil)
        #expect(message.properties.headers == nil)
    }
}
