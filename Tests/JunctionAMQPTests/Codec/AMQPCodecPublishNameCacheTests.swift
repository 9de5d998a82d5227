import JunctionAMQP
import NIOCore
import Testing

/// One decoder reads many basic.publish frames: the names it reuses from the previous publish must be exactly
/// what a fresh decode gives, and bytes that differ, are cut short or are not UTF-8 must never hit the cache.
@Suite struct AMQPCodecPublishNameCacheTests {
    private static func publishFrame(exchange: String, routingKey: String, mandatory: Bool = false) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeAMQPMethodFrame(
            channel: 1,
            method: .basicPublish(AMQPBasicPublish(exchange: exchange, routingKey: routingKey, mandatory: mandatory)))
        return buffer
    }

    private static func decodePublish(
        _ decoder: inout AMQPFrameDecoder, _ bytes: ByteBuffer
    ) throws -> AMQPBasicPublish? {
        var bytes = bytes
        guard case .method(_, .basicPublish(let publish)) = try decoder.decode(buffer: &bytes) else { return nil }
        #expect(bytes.readableBytes == 0)
        return publish
    }

    @Test func repeatedAndChangingNamesDecodeAsSent() throws {
        var decoder = AMQPFrameDecoder(maxFrameSize: 131072)
        let sequence: [(String, String)] = [
            ("", "a-routing-key-longer-than-fifteen-bytes"),
            ("", "a-routing-key-longer-than-fifteen-bytes"),
            ("amq.topic", "a-routing-key-longer-than-fifteen-bytes"),
            ("amq.topic", "a-routing-key-longer-than-fifteen-bytez"),
            ("amq.topic", "a-routing-key-longer-than-fifteen-byte"),
            ("amq.topic", ""),
            ("", ""),
            ("ünïcödé", "ключ.маршрута"),
            ("ünïcödé", "ключ.маршрута"),
        ]
        for (exchange, routingKey) in sequence {
            let publish = try #require(
                try Self.decodePublish(&decoder, Self.publishFrame(exchange: exchange, routingKey: routingKey)))
            #expect(publish.exchange == exchange)
            #expect(publish.routingKey == routingKey)
        }
    }

    @Test func aTruncatedPublishAfterACachedOneConsumesNothing() throws {
        var decoder = AMQPFrameDecoder(maxFrameSize: 131072)
        let frame = Self.publishFrame(exchange: "ex", routingKey: "the-same-routing-key-again")
        _ = try #require(try Self.decodePublish(&decoder, frame))
        for cut in 0..<frame.readableBytes {
            var partial = frame.getSlice(at: frame.readerIndex, length: cut)!
            #expect(try decoder.decode(buffer: &partial) == nil)
            #expect(partial.readableBytes == cut)
        }
    }

    @Test func invalidUTF8ThatFollowsACachedNameIsStillRejected() throws {
        var decoder = AMQPFrameDecoder(maxFrameSize: 131072)
        _ = try #require(try Self.decodePublish(&decoder, Self.publishFrame(exchange: "", routingKey: "ab")))
        // basic.publish, exchange "", routing key of two bytes 0xff 0xfe: same length as the cached "ab".
        var bytes = ByteBuffer(bytes: [1, 0, 1, 0, 0, 0, 11, 0, 60, 0, 40, 0, 0, 0, 2, 0xFF, 0xFE, 0, 0xCE])
        #expect(throws: AMQPDecodingError.invalidUTF8) { try decoder.decode(buffer: &bytes) }
    }

    @Test func overlongNamesFromAPeerAreDecodedByteForByte() throws {
        var decoder = AMQPFrameDecoder(maxFrameSize: 131072)
        let key = String(repeating: "k", count: 255)
        for _ in 0..<2 {
            let publish = try #require(
                try Self.decodePublish(&decoder, Self.publishFrame(exchange: "x", routingKey: key)))
            #expect(publish.routingKey == key)
        }
    }
}
