import JunctionAMQP
import JunctionAMQPCodec
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionTestSupport
import NIOCore
import NIOTestUtils
import Testing

@Suite struct AMQPCodecFrameDecoderTests {
    static let vectorNames = [
        "pika-connection-start-ok", "pika-queue-declare", "pika-basic-publish", "pika-basic-publish-header",
        "pika-basic-publish-body", "pika-basic-nack", "rabbitmq-c-publish-connection-start-ok",
        "rabbitmq-c-publish-basic-publish-header",
    ]

    @Test(arguments: Self.vectorNames)
    func everyPrefixIsIncompleteAndConsumesNothing(_ name: String) throws {
        let frame = try Vectors.load("amqp-0-9-1/\(name).hex")
        var decoder = AMQPFrameDecoder(maxFrameSize: 131072)
        for cut in 0..<frame.readableBytes {
            var partial = frame.getSlice(at: frame.readerIndex, length: cut)!
            #expect(try decoder.decode(buffer: &partial) == nil, "\(name) cut at \(cut)")
            #expect(partial.readableBytes == cut)
        }
    }

    @Test func dripFedAndCoalescedInputDecodesTheSameFrames() throws {
        var pairs: [(ByteBuffer, [AMQPFrame])] = []
        for name in Self.vectorNames {
            var bytes = try Vectors.load("amqp-0-9-1/\(name).hex")
            var decoder = AMQPFrameDecoder(maxFrameSize: 131072)
            let frame = try #require(try decoder.decode(buffer: &bytes))
            pairs.append((try Vectors.load("amqp-0-9-1/\(name).hex"), [frame]))
        }
        var heartbeat = ByteBuffer()
        heartbeat.writeAMQPHeartbeatFrame()
        pairs.append((heartbeat, [.heartbeat(0)]))
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            AMQPFrameDecoder(maxFrameSize: 131072)
        }
    }

    @Test func bodyIsASliceOfTheReceiveBuffer() throws {
        var buffer = ByteBuffer(bytes: [0x03, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x61, 0x62, 0x63, 0xCE])
        let storageAddress = buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        var decoder = AMQPFrameDecoder(maxFrameSize: 0)
        guard case .body(let channel, let body) = try decoder.decode(buffer: &buffer) else {
            Issue.record("expected a body frame")
            return
        }
        #expect(channel == 2)
        #expect(body == ByteBuffer(string: "abc"))
        #expect(body.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == storageAddress + 7)
    }

    @Test func acceptsAFrameOfExactlyMaxFrameSize() throws {
        var buffer = ByteBuffer()
        buffer.writeAMQPBodyFrames(channel: 1, body: ByteBuffer(repeating: 7, count: 4088), frameMax: 4096)
        #expect(buffer.readableBytes == 4096)
        var decoder = AMQPFrameDecoder(maxFrameSize: 4096)
        #expect(try decoder.decode(buffer: &buffer) == .body(1, ByteBuffer(repeating: 7, count: 4088)))
    }

    // MARK: - Encoding to exact bytes

    @Test func encodesHeartbeat() {
        var buffer = ByteBuffer()
        buffer.writeAMQPHeartbeatFrame()
        #expect(buffer == ByteBuffer(bytes: [0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xCE]))
    }

    @Test func encodesBasicDeliverHotPath() {
        var buffer = ByteBuffer()
        buffer.writeAMQPBasicDeliverFrame(
            channel: 3, consumerTag: "c", deliveryTag: 99, redelivered: true, exchange: "x", routingKey: "k")
        let expected: [UInt8] = [
            0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x13,  // method frame, channel 3, 19 bytes
            0x00, 0x3C, 0x00, 0x3C,  // basic.deliver
            0x01, 0x63,  // consumer-tag "c"
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63,  // delivery-tag 99
            0x01,  // redelivered
            0x01, 0x78, 0x01, 0x6B,  // exchange "x", routing-key "k"
            0xCE,
        ]
        #expect(buffer == ByteBuffer(bytes: expected))
    }

    @Test func encodesContentHeaderLikeRabbitMQC() throws {
        var buffer = ByteBuffer()
        buffer.writeAMQPContentHeaderFrame(
            channel: 1, bodySize: 5, properties: MessageProperties(contentType: "text/plain", deliveryMode: 2))
        #expect(buffer == (try Vectors.load("amqp-0-9-1/rabbitmq-c-publish-basic-publish-header.hex")))
    }

    @Test func encodesPublishHeaderWithEveryPropertyLikePika() throws {
        var captured = try Vectors.load("amqp-0-9-1/pika-basic-publish-header.hex")
        var decoder = AMQPFrameDecoder(maxFrameSize: 0)
        let frame = try #require(try decoder.decode(buffer: &captured))
        var buffer = ByteBuffer()
        buffer.writeAMQPFrame(frame, frameMax: 0)
        #expect(buffer == (try Vectors.load("amqp-0-9-1/pika-basic-publish-header.hex")))
    }

    @Test(arguments: [
        (bodySize: 0, frameMax: 16, frames: [Int]()),
        (bodySize: 8, frameMax: 16, frames: [8]),
        (bodySize: 9, frameMax: 16, frames: [8, 1]),
        (bodySize: 20, frameMax: 16, frames: [8, 8, 4]),
        (bodySize: 100_000, frameMax: 0, frames: [100_000]),
    ])
    func splitsBodiesAtFrameMaxIncludingOverhead(bodySize: Int, frameMax: Int, frames: [Int]) throws {
        let body = ByteBuffer(bytes: (0..<bodySize).map { UInt8(truncatingIfNeeded: $0) })
        var buffer = ByteBuffer()
        buffer.writeAMQPBodyFrames(channel: 4, body: body, frameMax: frameMax)
        var decoder = AMQPFrameDecoder(maxFrameSize: frameMax)
        var sizes: [Int] = []
        var reassembled = ByteBuffer()
        while var frameBody = try decoder.decode(buffer: &buffer).flatMap({ frame -> ByteBuffer? in
            guard case .body(4, let slice) = frame else { return nil }
            return slice
        }) {
            sizes.append(frameBody.readableBytes)
            reassembled.writeBuffer(&frameBody)
        }
        #expect(sizes == frames)
        #expect(reassembled == body)
        #expect(buffer.readableBytes == 0)
    }

    // MARK: - Protocol header

    @Test func protocolHeaderNeedsEightBytes() throws {
        for cut in 0..<8 {
            var partial = ByteBuffer(bytes: AMQPProtocolHeader.bytes[..<cut])
            #expect(try AMQPProtocolHeader.decode(&partial) == nil)
            #expect(partial.readableBytes == cut)
        }
        var full = ByteBuffer(bytes: AMQPProtocolHeader.bytes + [0x01])
        #expect(try AMQPProtocolHeader.decode(&full) == true)
        #expect(full.readableBytes == 1)
    }

    @Test(arguments: [
        Array("AMQP".utf8) + [0, 0, 9, 0],
        Array("AMQP".utf8) + [1, 1, 0, 9],
        Array("AMQP".utf8) + [0, 1, 0, 0],
        Array("GET / HT".utf8),
    ])
    func rejectsOtherProtocolHeaders(_ bytes: [UInt8]) {
        var buffer = ByteBuffer(bytes: bytes)
        #expect(throws: AMQPDecodingError.unsupportedProtocolHeader) { try AMQPProtocolHeader.decode(&buffer) }
    }
}
