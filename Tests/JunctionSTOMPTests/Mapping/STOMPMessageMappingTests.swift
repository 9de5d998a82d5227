import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionSTOMP
import JunctionSTOMPCodec
import NIOCore
import Testing

@Suite("STOMP message mapping")
struct STOMPMessageMappingTests {
    @Test func sendHeadersToProperties() throws {
        let headers: STOMPHeaders = [
            "destination": "/queue/a", "receipt": "r", "content-length": "3", "transaction": "t",
            "content-type": "text/plain", "content-encoding": "gzip", "correlation-id": "c1", "reply-to": "/queue/r",
            "expiration": "60000", "message-id": "m1", "persistent": "true", "priority": "5", "timestamp": "1700000000",
            "type": "order", "user-id": "guest", "app-id": "app", "x-custom": "v", "other": "w",
        ]
        let properties = try STOMPMessageMapping.properties(from: headers)
        #expect(
            properties
                == MessageProperties(
                    contentType: "text/plain",
                    contentEncoding: "gzip",
                    headers: ["x-custom": .string("v"), "other": .string("w")],
                    deliveryMode: 2,
                    priority: 5,
                    correlationID: "c1",
                    replyTo: "/queue/r",
                    expiration: "60000",
                    messageID: "m1",
                    timestamp: 1_700_000_000,
                    type: "order",
                    userID: "guest",
                    appID: "app"
                )
        )
    }

    @Test(arguments: [("priority", "high"), ("expiration", "-5"), ("timestamp", "now")])
    func badNumbersFail(header: String, value: String) {
        #expect(throws: STOMPError.self) { try STOMPMessageMapping.properties(from: [header: value]) }
    }

    @Test func messageFrameCarriesPropertiesAndHeaders() throws {
        let message = Message(
            exchange: "amq.topic",
            routingKey: "a.b",
            properties: MessageProperties(
                contentType: "application/json",
                headers: ["n": .int32(7), "flag": .boolean(true), "s": .string("x:y"), "t": .table([:])],
                deliveryMode: 2,
                priority: 1,
                correlationID: "c",
                replyTo: "amq.gen-1",
                messageID: "m"
            ),
            body: ByteBuffer(bytes: [0x7B, 0x00, 0x7D])
        )
        var buffer = ByteBuffer()
        STOMPMessageMapping.writeMessage(
            into: &buffer,
            message: message,
            destination: "/topic/a.b",
            subscription: "sub",
            messageID: "sub@@3",
            ackID: "sub@@3",
            redelivered: true,
            version: .v1_2
        )
        var decoder = STOMPFrameDecoder(version: .v1_2)
        guard case .frame(let frame)? = try decoder.decode(buffer: &buffer) else {
            Issue.record("no frame")
            return
        }
        #expect(frame.command == .message)
        #expect(
            frame.headers
                == [
                    "destination": "/topic/a.b", "message-id": "sub@@3", "subscription": "sub", "ack": "sub@@3",
                    "redelivered": "true", "content-type": "application/json", "correlation-id": "c",
                    "reply-to": "amq.gen-1", "amqp-message-id": "m", "persistent": "true", "priority": "1", "n": "7",
                    "flag": "true", "s": "x:y", "content-length": "3",
                ]
        )
        #expect(frame.body == message.body)
    }

    @Test func noAckHeaderBefore12() throws {
        var buffer = ByteBuffer()
        STOMPMessageMapping.writeMessage(
            into: &buffer,
            message: Message(exchange: "", routingKey: "q", body: ByteBuffer()),
            destination: "/queue/q",
            subscription: "s",
            messageID: "s@@1",
            ackID: "s@@1",
            redelivered: false,
            version: .v1_1
        )
        #expect(
            String(buffer: buffer)
                == "MESSAGE\ndestination:/queue/q\nmessage-id:s@@1\nsubscription:s\nredelivered:false\n"
                + "content-length:0\n\n\0"
        )
    }

    @Test func brokerErrorsMapToMessages() {
        #expect(STOMPError(BrokerError.notFound("no queue 'x'")).message == "not_found")
        #expect(STOMPError(BrokerError.accessRefused("no")).message == "access_refused")
        #expect(STOMPError(STOMPDecodingError.bodyTooLarge(10, limit: 5)).message == "Frame too large")
        let frame = STOMPError("m", "detail", receiptID: "r").frame
        #expect(frame.headers == ["message": "m", "content-type": "text/plain", "receipt-id": "r"])
        #expect(frame.body == ByteBuffer(string: "detail"))
    }
}
