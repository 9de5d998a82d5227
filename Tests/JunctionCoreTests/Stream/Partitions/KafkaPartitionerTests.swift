import Testing

@testable import JunctionCore

/// The vectors were computed with kafka-python 2.x's partitioner (`pip install kafka-python`):
///
///     from kafka.partitioner.default import murmur2
///     h = murmur2(key); [(h & 0x7fffffff) % n for n in (1, 3, 6, 7)]
///
/// `murmur2` there returns the unsigned 32-bit pattern of Java's `Utils.murmur2`.
@Suite struct KafkaPartitionerTests {
    struct Vector: Sendable {
        let key: [UInt8]
        let murmur2: UInt32
        /// Partitions among 1, 3, 6 and 7.
        let partitions: [Int]
    }

    static let vectors: [Vector] = [
        Vector(key: Array("".utf8), murmur2: 275_646_681, partitions: [0, 0, 3, 2]),
        Vector(key: Array("a".utf8), murmur2: 2_731_586_172, partitions: [0, 1, 4, 5]),
        Vector(key: Array("ab".utf8), murmur2: 316_155_434, partitions: [0, 2, 2, 0]),
        Vector(key: Array("abc".utf8), murmur2: 479_470_107, partitions: [0, 0, 3, 4]),
        Vector(key: Array("key".utf8), murmur2: 3_215_029_929, partitions: [0, 1, 1, 4]),
        Vector(key: Array("key-0".utf8), murmur2: 29_210_041, partitions: [0, 1, 1, 0]),
        Vector(key: Array("key-17".utf8), murmur2: 956_945_460, partitions: [0, 0, 0, 2]),
        Vector(key: Array("hello world".utf8), murmur2: 1_221_641_059, partitions: [0, 1, 1, 2]),
        Vector(key: [0xff, 0xfe, 0x00], murmur2: 3_662_153_412, partitions: [0, 1, 4, 6]),
        Vector(key: Array("order-12345".utf8), murmur2: 2_547_607_977, partitions: [0, 1, 1, 3]),
        Vector(key: Array("ключ".utf8), murmur2: 2_122_343_024, partitions: [0, 2, 2, 4]),
        Vector(key: Array("abcdefghijklmnopqrstuvwxyz".utf8), murmur2: 1_196_651_483, partitions: [0, 2, 5, 6]),
        Vector(key: Array("sensor.room1.temp".utf8), murmur2: 3_232_873_375, partitions: [0, 2, 5, 2]),
    ]

    @Test(arguments: Self.vectors)
    func murmur2MatchesKafka(_ vector: Vector) {
        #expect(KafkaPartitioner.murmur2(vector.key) == vector.murmur2)
    }

    @Test(arguments: Self.vectors)
    func partitionMatchesKafka(_ vector: Vector) {
        guard let key = String(validating: vector.key, as: UTF8.self), !key.isEmpty else { return }
        let partitions = [1, 3, 6, 7].map { KafkaPartitioner.partition(forKey: key, count: $0) }
        #expect(partitions == vector.partitions)
    }

    @Test func murmur2OfASliceReadsOnlyTheSlice() {
        let bytes = Array("xxkeyxx".utf8)
        #expect(KafkaPartitioner.murmur2(bytes[2..<5]) == 3_215_029_929)
    }
}
