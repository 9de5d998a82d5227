import NIOCore
import Testing

@testable import JunctionStorage

@Suite struct StorageIndexTests {
    private let offsets = OffsetIndex(entries: [
        .init(relativeOffset: 0, position: 0),
        .init(relativeOffset: 10, position: 400),
        .init(relativeOffset: 25, position: 900),
    ])

    @Test(arguments: [
        (UInt32(0), UInt32?(0)), (9, 0), (10, 400), (24, 400), (25, 900), (1000, 900),
    ])
    func offsetLookupFindsTheEntryAtOrBefore(relativeOffset: UInt32, position: UInt32?) {
        #expect(self.offsets.entry(atOrBefore: relativeOffset)?.position == position)
    }

    @Test func offsetLookupInAnEmptyIndexFindsNothing() {
        #expect(OffsetIndex().entry(atOrBefore: 5) == nil)
    }

    @Test(arguments: [(Int64(100), UInt32?.none), (101, 0), (150, 0), (151, 25), (400, 25)])
    func timeLookupFindsTheLastEntryBelow(timestamp: Int64, relativeOffset: UInt32?) {
        let index = TimeIndex(entries: [
            .init(timestamp: 100, relativeOffset: 0),
            .init(timestamp: 150, relativeOffset: 10),
            .init(timestamp: 150, relativeOffset: 25),
        ])
        #expect(index.lastEntry(before: timestamp)?.relativeOffset == relativeOffset)
    }

    @Test func decodesWhatItEncodes() {
        var bytes = ByteBuffer()
        for entry in self.offsets.entries { OffsetIndex.encode(entry, into: &bytes) }
        #expect(bytes.readableBytes == 3 * OffsetIndex.entrySize)
        #expect(OffsetIndex.decode(bytes, logSize: 1000) == self.offsets)
    }

    @Test func rejectsGarbledIndexFiles() {
        var bytes = ByteBuffer()
        for entry in self.offsets.entries { OffsetIndex.encode(entry, into: &bytes) }
        #expect(OffsetIndex.decode(bytes, logSize: 900) == nil)
        #expect(OffsetIndex.decode(bytes.getSlice(at: 0, length: 20)!, logSize: 1000) == nil)
        var decreasing = bytes
        decreasing.setInteger(UInt32(30), at: 8)
        #expect(OffsetIndex.decode(decreasing, logSize: 1000) == nil)
        var time = ByteBuffer()
        TimeIndex.encode(.init(timestamp: 5, relativeOffset: 0), into: &time)
        TimeIndex.encode(.init(timestamp: 4, relativeOffset: 1), into: &time)
        #expect(TimeIndex.decode(time) == nil)
    }
}
