extension String {
    /// Whether every UTF-8 byte passes `accept`, scanned over the string's contiguous storage when it has
    /// one (native strings do): a byte loop without the per-byte index checks of `utf8.allSatisfy`, which
    /// showed up in profiles of the SQS API (every message body is checked and escaped).
    @inline(__always)
    func allUTF8Bytes(_ accept: (UInt8) -> Bool) -> Bool {
        if let result = self.utf8.withContiguousStorageIfAvailable({ $0.allSatisfy(accept) }) {
            return result
        }
        return self.utf8.allSatisfy(accept)
    }
}
