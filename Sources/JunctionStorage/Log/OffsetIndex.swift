import NIOCore

/// The sparse offset index of one segment (`.index`): fixed 8-byte entries mapping a batch's base
/// offset, relative to the segment's base, to its byte position in the `.log` file.
///
/// An entry is added for the first batch and then for the first batch after every
/// `indexIntervalBytes` of log. Entries increase strictly in both fields, so lookups binary-search.
struct OffsetIndex: Equatable {
    struct Entry: Equatable {
        var relativeOffset: UInt32
        var position: UInt32
    }

    static let entrySize = 8

    private(set) var entries: [Entry] = []

    init(entries: [Entry] = []) { self.entries = entries }

    mutating func append(_ entry: Entry) { self.entries.append(entry) }

    /// The last entry whose relative offset is at or below `relativeOffset`.
    func entry(atOrBefore relativeOffset: UInt32) -> Entry? {
        var low = 0
        var high = self.entries.count
        while low < high {
            let middle = (low + high) / 2
            if self.entries[middle].relativeOffset <= relativeOffset { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : self.entries[low - 1]
    }

    static func encode(_ entry: Entry, into buffer: inout ByteBuffer) {
        buffer.writeInteger(entry.relativeOffset)
        buffer.writeInteger(entry.position)
    }

    /// Decodes a whole index file; `nil` if its size is not a whole number of entries, or the
    /// entries do not increase strictly, or a position is at or past `logSize`.
    static func decode(_ buffer: ByteBuffer, logSize: Int64) -> OffsetIndex? {
        guard buffer.readableBytes % Self.entrySize == 0 else { return nil }
        var index = OffsetIndex()
        var reader = buffer
        while let relativeOffset = reader.readInteger(as: UInt32.self),
            let position = reader.readInteger(as: UInt32.self)
        {
            if let last = index.entries.last,
                last.relativeOffset >= relativeOffset || last.position >= position
            {
                return nil
            }
            guard Int64(position) < logSize else { return nil }
            index.entries.append(Entry(relativeOffset: relativeOffset, position: position))
        }
        if let first = index.entries.first, first.relativeOffset != 0 || first.position != 0 { return nil }
        return index
    }
}
