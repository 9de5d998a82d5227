import NIOCore

/// The sparse time index of one segment (`.timeindex`): fixed 12-byte entries mapping the largest
/// timestamp seen up to and including a batch to that batch's base offset, relative to the segment's base.
///
/// Entries are written at the same batches as the offset index. Timestamps never decrease, so a
/// binary search finds the last entry below a target: every record up to that batch is older.
struct TimeIndex: Equatable {
    struct Entry: Equatable {
        var timestamp: Int64
        var relativeOffset: UInt32
    }

    static let entrySize = 12

    private(set) var entries: [Entry] = []

    init(entries: [Entry] = []) { self.entries = entries }

    mutating func append(_ entry: Entry) { self.entries.append(entry) }

    /// The last entry whose timestamp is strictly below `timestamp`.
    func lastEntry(before timestamp: Int64) -> Entry? {
        var low = 0
        var high = self.entries.count
        while low < high {
            let middle = (low + high) / 2
            if self.entries[middle].timestamp < timestamp { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : self.entries[low - 1]
    }

    static func encode(_ entry: Entry, into buffer: inout ByteBuffer) {
        buffer.writeInteger(entry.timestamp)
        buffer.writeInteger(entry.relativeOffset)
    }

    /// Decodes a whole time index file; `nil` if its size is not a whole number of entries or the
    /// timestamps or offsets decrease.
    static func decode(_ buffer: ByteBuffer) -> TimeIndex? {
        guard buffer.readableBytes % Self.entrySize == 0 else { return nil }
        var index = TimeIndex()
        var reader = buffer
        while let timestamp = reader.readInteger(as: Int64.self),
            let relativeOffset = reader.readInteger(as: UInt32.self)
        {
            if let last = index.entries.last,
                last.timestamp > timestamp || last.relativeOffset >= relativeOffset
            {
                return nil
            }
            index.entries.append(Entry(timestamp: timestamp, relativeOffset: relativeOffset))
        }
        return index
    }
}
