import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// One connection decodes many PUBLISH packets with one topic cache: a reused topic must be exactly what a
/// fresh decode gives, and bytes that differ or are invalid must never come out of the cache.
@Suite struct MQTTCodecTopicCacheTests {
    private func decode(_ publish: MQTTPublish, cache: inout RepeatedStringCache) throws -> MQTTPublish? {
        var buffer = ByteBuffer()
        buffer.writeMQTTPacket(.publish(publish), version: .v311)
        guard let raw = try MQTTPacketDecoder(maximumPacketSize: 1 << 20).decodePacket(buffer: &buffer) else {
            return nil
        }
        guard case .publish(let decoded) = try MQTTPacket.decode(raw, version: .v311, topics: &cache) else {
            return nil
        }
        return decoded
    }

    @Test func repeatedAndChangingTopicsDecodeAsSent() throws {
        var cache = RepeatedStringCache()
        let topics = [
            "sensors/kitchen/temperature", "sensors/kitchen/temperature", "sensors/kitchen/temperaturf",
            "sensors/kitchen/temperatur", "s", "", "датчики/кухня", "датчики/кухня",
        ]
        for topic in topics {
            let publish = MQTTPublish(topic: topic, qos: .atMostOnce, payload: ByteBuffer(string: "x"))
            let decoded = try #require(try self.decode(publish, cache: &cache))
            #expect(decoded.topic == topic)
            #expect(decoded.payload == ByteBuffer(string: "x"))
        }
    }

    @Test func invalidTopicBytesAfterACachedTopicAreStillRejected() throws {
        var cache = RepeatedStringCache()
        _ = try self.decode(MQTTPublish(topic: "ab", qos: .atMostOnce, payload: ByteBuffer()), cache: &cache)
        for badTopic: [UInt8] in [[0xFF, 0xFE], [0x61, 0x00]] {
            // PUBLISH QoS 0, remaining length 4: a topic of two bytes, same length as the cached "ab".
            var buffer = ByteBuffer(bytes: [0x30, 0x04, 0x00, 0x02] + badTopic)
            let raw = try #require(try MQTTPacketDecoder(maximumPacketSize: 1 << 20).decodePacket(buffer: &buffer))
            #expect(throws: MQTTDecodingError.invalidUTF8) {
                try MQTTPacket.decode(raw, version: .v311, topics: &cache)
            }
        }
    }

    @Test func theMappingCachesGiveWhatTheMappingsGive() {
        var routingKeys = RepeatedMapping { MQTTTopic.routingKey(forTopic: $0) }
        var topics = RepeatedMapping { MQTTTopic.topic(forRoutingKey: $0) }
        for topic in ["a/b/c", "a/b/c", "a/b.c", "", "x", "x", "a/b/c"] {
            #expect(routingKeys.map(topic) == MQTTTopic.routingKey(forTopic: topic))
            let key = MQTTTopic.routingKey(forTopic: topic)
            #expect(topics.map(key) == topic)
        }
    }
}
