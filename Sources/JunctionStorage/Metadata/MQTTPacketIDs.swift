/// The column format of a set of MQTT packet ids: big-endian 16-bit values, ascending, so equal
/// sets store equal bytes and a torn value (odd length) is detectable.
enum MQTTPacketIDs {
    static func encode(_ ids: Set<UInt16>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 2)
        for id in ids.sorted() {
            bytes.append(UInt8(id >> 8))
            bytes.append(UInt8(id & 0xFF))
        }
        return bytes
    }

    /// Nil when the bytes are not whole 16-bit values.
    static func decode(_ bytes: [UInt8]) -> Set<UInt16>? {
        guard bytes.count % 2 == 0 else { return nil }
        var ids = Set<UInt16>(minimumCapacity: bytes.count / 2)
        var index = 0
        while index < bytes.count {
            ids.insert(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
            index += 2
        }
        return ids
    }
}
