/// Which sequences of the delay log are settled, as a watermark (everything below is) and a bitmap
/// above it: delayed messages leave in due-time order, not in sequence order, so a million
/// scheduled messages cost 125 KB here instead of a set of a million integers.
struct SettledSequences: Equatable {
    /// Every sequence below is settled.
    private(set) var watermark: UInt64 = 0
    /// The sequence of bit 0 of `words[0]`: a multiple of 64, at most `watermark`.
    private(set) var base: UInt64 = 0
    private(set) var words: [UInt64] = []

    init() {}

    init(watermark: UInt64, base: UInt64, words: [UInt64]) {
        self.base = base - base % 64
        self.watermark = max(watermark, self.base)
        self.words = words
        self.advance()
    }

    func contains(_ sequence: UInt64) -> Bool {
        if sequence < self.watermark { return true }
        let bit = sequence - self.base
        let word = Int(bit / 64)
        return word < self.words.count && self.words[word] & (1 << (bit % 64)) != 0
    }

    mutating func insert(_ sequence: UInt64) {
        guard sequence >= self.watermark else { return }
        let bit = sequence - self.base
        let word = Int(bit / 64)
        if word >= self.words.count {
            self.words.append(contentsOf: repeatElement(0, count: word + 1 - self.words.count))
        }
        self.words[word] |= 1 << (bit % 64)
        if sequence == self.watermark { self.advance() }
    }

    /// Moves the watermark over settled sequences and drops full words from the front (in runs of
    /// 256 words, so settling in order does not move the array on every 64th sequence).
    private mutating func advance() {
        while self.contains(bitAt: self.watermark) { self.watermark += 1 }
        let full = Int((self.watermark - self.base) / 64)
        if full >= 256 || (full > 0 && full >= self.words.count) {
            self.words.removeFirst(min(full, self.words.count))
            self.base += UInt64(full) * 64
        }
    }

    private func contains(bitAt sequence: UInt64) -> Bool {
        let bit = sequence - self.base
        let word = Int(bit / 64)
        return word < self.words.count && self.words[word] & (1 << (bit % 64)) != 0
    }
}
