/// Kafka's default partitioner for keyed records: murmur2 of the key bytes (seed 0x9747b28c, as
/// `org.apache.kafka.common.utils.Utils.murmur2`), made positive with `& 0x7fffffff`
/// (`Utils.toPositive`), modulo the partition count. A key lands in the partition a Kafka client
/// would pick. Pure; no allocation (it reads the key's UTF-8 bytes in place).
public enum KafkaPartitioner {
    /// The partition of a non-empty key among `count` (> 0) partitions.
    public static func partition(forKey key: String, count: Int) -> Int {
        var key = key
        let hash = key.withUTF8 { Self.murmur2($0) }
        return Int(hash & 0x7fff_ffff) % count
    }

    /// Kafka's 32-bit murmur2 (the bit pattern of Java's signed `int`).
    public static func murmur2<Bytes: Collection<UInt8>>(_ data: Bytes) -> UInt32 {
        let length = data.count
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        var index = data.startIndex
        for _ in 0..<(length / 4) {
            var k = UInt32(data[index])
            k |= UInt32(data[data.index(index, offsetBy: 1)]) << 8
            k |= UInt32(data[data.index(index, offsetBy: 2)]) << 16
            k |= UInt32(data[data.index(index, offsetBy: 3)]) << 24
            index = data.index(index, offsetBy: 4)
            k &*= m
            k ^= k >> r
            k &*= m
            h &*= m
            h ^= k
        }
        let rest = length % 4
        if rest == 3 { h ^= UInt32(data[data.index(index, offsetBy: 2)]) << 16 }
        if rest >= 2 { h ^= UInt32(data[data.index(index, offsetBy: 1)]) << 8 }
        if rest >= 1 {
            h ^= UInt32(data[index])
            h &*= m
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return h
    }
}
