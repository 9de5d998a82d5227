/// The golden segment of format version 1: `00000000000000000000.log` as hex, written by an independent
/// Python encoder (struct packing and a bit-wise CRC-32C, not our `RecordBatch`), so a symmetric bug in our
/// codec cannot pass. Kept as Swift source because the test target declares no resources.
enum SegmentFormatV1Fixture {
    /// `#` comments and whitespace are ignored (`Vectors.parseHex`).
    static let segment0 = """
        # Segment format 1 written by an independent Python encoder (Python 3, struct + bit-wise CRC-32C).
        # batch 0: base 0, attributes 0, epoch 0: (1700000000000, key k1, hello), (1700000000005, no key, empty)
        # batch 1: base 2, attributes 1, epoch 3: (1699999999000, empty key, world!)
        00 00 00 00 00 00 00 00 00 00 00 56 01 12 36 e6
        0e 00 00 00 00 00 00 00 00 00 02 00 00 01 8b cf
        e5 68 00 00 00 01 8b cf e5 68 05 00 00 00 1b 00
        00 00 00 00 00 00 00 00 00 00 00 00 00 00 02 6b
        31 00 00 00 05 68 65 6c 6c 6f 00 00 00 14 00 00
        00 01 00 00 00 00 00 00 00 05 ff ff ff ff 00 00
        00 00 00 00 00 00 00 00 00 02 00 00 00 3d 01 78
        c7 86 77 00 01 00 00 00 03 00 00 00 01 00 00 01
        8b cf e5 64 18 00 00 01 8b cf e5 64 18 00 00 00
        1a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
        00 00 00 00 06 77 6f 72 6c 64 21
        """
}
