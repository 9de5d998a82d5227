import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@Suite struct CoreMessageRecordCodecTests {
    @Test func roundTripKeepsEveryField() throws {
        let message = Message(
            exchange: "orders",
            routingKey: "order.created",
            properties: MessageProperties(
                contentType: "application/json",
                headers: ["x-death": .array([.table(["count": .int64(1)])]), "tenant": .string("acme")],
                deliveryMode: 2,
                priority: 3,
                correlationID: "c-1",
                replyTo: "amq.gen-1",
                expiration: "60000",
                messageID: "m-1",
                timestamp: 1_700_000_000,
                type: "created",
                userID: "guest",
                appID: "shop"
            ),
            body: ByteBuffer(bytes: [0, 1, 2, 0xFF])
        )
        let decoded = try MessageRecordCodec.decode(MessageRecordCodec.encode(message))
        #expect(decoded == message)
    }

    /// Hand-written bytes of version 1, so a change of layout cannot pass by changing both sides.
    @Test func decodesTheVersionOneLayout() throws {
        let bytes: [UInt8] = [
            1,  // version
            1, UInt8(ascii: "x"),  // exchange "x"
            1, UInt8(ascii: "k"),  // routing key "k"
            0x10, 0x00,  // flags: delivery-mode
            2,  // persistent
            UInt8(ascii: "h"), UInt8(ascii: "i"),  // body
        ]
        let message = try MessageRecordCodec.decode(ByteBuffer(bytes: bytes))
        #expect(message.exchange == "x")
        #expect(message.routingKey == "k")
        #expect(message.properties == MessageProperties(deliveryMode: 2))
        #expect(String(buffer: message.body) == "hi")
    }

    @Test func rejectsUnknownVersionsAndTruncation() {
        #expect(throws: MessageRecordCodec.DecodingError.unsupportedVersion(9)) {
            try MessageRecordCodec.decode(ByteBuffer(bytes: [9]))
        }
        #expect(throws: MessageRecordCodec.DecodingError.truncated) {
            try MessageRecordCodec.decode(ByteBuffer(bytes: [1, 5, UInt8(ascii: "a")]))
        }
    }
}
