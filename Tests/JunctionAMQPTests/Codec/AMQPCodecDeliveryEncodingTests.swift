import JunctionAMQP
import JunctionAMQPCodec
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

/// The delivery hot path writes raw bytes; every case must be byte-for-byte what the general encoders write.
@Suite struct AMQPCodecDeliveryEncodingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var exchange = "amq.direct"
        var routingKey = "a.routing.key"
        var properties = MessageProperties()
        var bodySize = 16
        var frameMax = 131072
        var testDescription: String { self.name }
    }

    static let cases: [Case] = {
        var withHeaders = MessageProperties(deliveryMode: 2)
        withHeaders.headers = ["x-trace": .longString(Array("abc".utf8))]
        withHeaders.contentType = "application/json"
        return [
            Case(name: "no properties"),
            Case(name: "delivery mode", properties: MessageProperties(deliveryMode: 2)),
            Case(name: "priority", properties: MessageProperties(priority: 7)),
            Case(name: "delivery mode and priority", properties: MessageProperties(deliveryMode: 1, priority: 0)),
            Case(name: "headers and content type", properties: withHeaders),
            Case(name: "empty body", bodySize: 0),
            Case(name: "body exactly fills frame_max", bodySize: 4096 - 8, frameMax: 4096),
            Case(name: "body split by frame_max", bodySize: 10000, frameMax: 4096),
            Case(name: "frame_max unlimited", bodySize: 300_000, frameMax: 0),
            Case(name: "empty names", exchange: "", routingKey: ""),
            Case(name: "non-ASCII names", exchange: "ünïcödé", routingKey: "ключ.маршрута"),
            Case(name: "routing key over 255 bytes", routingKey: String(repeating: "r", count: 300)),
        ]
    }()

    @Test(arguments: Self.cases)
    func hotPathWritesWhatTheGeneralEncodersWrite(_ testCase: Case) {
        let body = ByteBuffer(bytes: (0..<testCase.bodySize).map { UInt8(truncatingIfNeeded: $0 * 7) })
        var general = ByteBuffer()
        general.writeAMQPMethodFrame(
            channel: 5,
            method: .basicDeliver(
                AMQPBasicDeliver(
                    consumerTag: "ctag-1", deliveryTag: 1 << 40 + 3, redelivered: true, exchange: testCase.exchange,
                    routingKey: testCase.routingKey)))
        general.writeAMQPContentHeaderFrame(
            channel: 5, bodySize: UInt64(testCase.bodySize), properties: testCase.properties)
        general.writeAMQPBodyFrames(channel: 5, body: body, frameMax: testCase.frameMax)

        var hot = ByteBuffer()
        hot.writeAMQPDelivery(
            channel: 5, consumerTag: "ctag-1", deliveryTag: 1 << 40 + 3, redelivered: true, exchange: testCase.exchange,
            routingKey: testCase.routingKey, properties: testCase.properties, body: body, frameMax: testCase.frameMax)
        #expect(hot == general)

        var contentOnly = ByteBuffer()
        contentOnly.writeAMQPContent(
            channel: 5, properties: testCase.properties, body: body, frameMax: testCase.frameMax)
        var generalContent = ByteBuffer()
        generalContent.writeAMQPContentHeaderFrame(
            channel: 5, bodySize: UInt64(testCase.bodySize), properties: testCase.properties)
        generalContent.writeAMQPBodyFrames(channel: 5, body: body, frameMax: testCase.frameMax)
        #expect(contentOnly == generalContent)
    }

    @Test func appendsAfterWhatTheBufferAlreadyHolds() {
        var buffer = ByteBuffer(bytes: [1, 2, 3])
        buffer.moveReaderIndex(forwardBy: 1)
        buffer.writeAMQPDelivery(
            channel: 1, consumerTag: "c", deliveryTag: 1, redelivered: false, exchange: "", routingKey: "q",
            properties: MessageProperties(), body: ByteBuffer(string: "hi"), frameMax: 4096)
        var expected = ByteBuffer(bytes: [2, 3])
        expected.writeAMQPMethodFrame(
            channel: 1,
            method: .basicDeliver(
                AMQPBasicDeliver(consumerTag: "c", deliveryTag: 1, redelivered: false, exchange: "", routingKey: "q")))
        expected.writeAMQPContentHeaderFrame(channel: 1, bodySize: 2, properties: MessageProperties())
        expected.writeAMQPBodyFrames(channel: 1, body: ByteBuffer(string: "hi"), frameMax: 4096)
        #expect(buffer == expected)
    }
}
