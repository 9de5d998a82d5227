import Testing

@testable import JunctionCore

/// The timer index's parts: the heap orders by due time (then by scheduling order), and the
/// settled-sequence set keeps a watermark and a bitmap.
@Suite struct CoreDelayIndexTests {
    @Test func heapPopsInDueTimeThenKeyOrder() {
        var generator = SystemRandomNumberGenerator()
        var heap = DelayHeap()
        var expected: [DelayEntry] = []
        for key in 0..<2000 {
            let entry = DelayEntry(due: UInt64.random(in: 0..<50, using: &generator), key: UInt64(key), target: 0)
            heap.push(entry)
            expected.append(entry)
        }
        let removed = heap.removeAll { $0.key % 7 == 0 }
        #expect(removed.count == expected.filter { $0.key % 7 == 0 }.count)
        expected.removeAll { $0.key % 7 == 0 }
        expected.sort(by: DelayEntry.precedes)
        var popped: [DelayEntry] = []
        while let entry = heap.popFirst() { popped.append(entry) }
        #expect(popped == expected)
    }

    @Test func settledSequencesKeepAWatermarkAndABitmap() {
        var settled = SettledSequences()
        settled.insert(1)
        settled.insert(3)
        #expect(settled.watermark == 0)
        #expect(settled.contains(1) && settled.contains(3) && !settled.contains(2) && !settled.contains(0))
        settled.insert(0)
        #expect(settled.watermark == 2)
        settled.insert(2)
        #expect(settled.watermark == 4)
        for sequence in UInt64(4)..<100_000 where sequence != 70_000 { settled.insert(sequence) }
        #expect(settled.watermark == 70_000)
        // Only the 30,000 sequences above the watermark (and at most 255 words below it) take bits.
        #expect(settled.words.count < 30_000 / 64 + 256 + 1)
        let copy = SettledSequences(watermark: settled.watermark, base: settled.base, words: settled.words)
        #expect(copy.contains(99_999) && !copy.contains(70_000) && copy.watermark == 70_000)
    }
}
