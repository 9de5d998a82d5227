import JunctionAMQP
import JunctionAMQPCodec
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
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

/// Content headers through one decoder: reused properties must equal a fresh decode, whatever changes.
@Suite struct AMQPCodecPropertiesCacheTests {
    private static func headerFrame(bodySize: UInt64, _ properties: MessageProperties) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeAMQPContentHeaderFrame(channel: 1, bodySize: bodySize, properties: properties)
        return buffer
    }

    @Test func repeatedAndChangingPropertiesDecodeAsSent() throws {
        var json = MessageProperties(deliveryMode: 2)
        json.contentType = "application/json"
        var withHeaders = json
        withHeaders.headers = ["trace": .longString(Array("abc".utf8))]
        var longList = MessageProperties()
        longList.messageID = String(repeating: "m", count: 255)
        longList.correlationID = String(repeating: "c", count: 255)
        longList.type = String(repeating: "t", count: 100)
        let sequence = [json, json, withHeaders, withHeaders, MessageProperties(), json, longList, longList, json]
        var decoder = AMQPFrameDecoder(maxFrameSize: 131072)
        for (index, properties) in sequence.enumerated() {
            var bytes = Self.headerFrame(bodySize: UInt64(index), properties)
            guard case .header(_, let header) = try decoder.decode(buffer: &bytes) else {
                Issue.record("not a header")
                return
            }
            #expect(header.properties == properties)
            #expect(header.bodySize == UInt64(index))
            #expect(bytes.readableBytes == 0)
        }
    }

    @Test func malformedPropertiesAfterCachedOnesAreStillRejected() throws {
        var decoder = AMQPFrameDecoder(maxFrameSize: 131072)
        var json = MessageProperties()
        json.contentType = "ab"
        var good = Self.headerFrame(bodySize: 1, json)
        _ = try decoder.decode(buffer: &good)
        // Content type of two bytes, same length as the cached "ab", but not UTF-8.
        var bad = Self.headerFrame(bodySize: 1, json)
        let typeIndex = bad.writerIndex - 3
        bad.setBytes([0xFF, 0xFE], at: typeIndex)
        #expect(throws: AMQPDecodingError.self) { try decoder.decode(buffer: &bad) }
    }
}
