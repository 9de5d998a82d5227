import JunctionStorage
import NIOCore
import Testing

@Suite struct StorageRecordBatchTests {
    private func encoded() -> ByteBuffer {
        var buffer = ByteBuffer()
        RecordBatch.encode(
            [entry("hello", at: 1000, key: "k"), entry("", at: 990)],
            baseOffset: LogOffset(7),
            attributes: 2,
            leaderEpoch: 5,
            into: &buffer
        )
        return buffer
    }

    @Test func roundTripsRecordsAndHeader() throws {
        var buffer = self.encoded()
        let batch = try #require(try RecordBatch.decode(&buffer))
        #expect(buffer.readableBytes == 0)
        #expect(batch.header.baseOffset == LogOffset(7))
        #expect(batch.header.recordCount == 2)
        #expect(batch.header.firstTimestamp == 1000)
        #expect(batch.header.maxTimestamp == 1000)
        #expect(batch.header.attributes == 2)
        #expect(batch.header.leaderEpoch == 5)
        #expect(
            batch.records == [
                LogRecord(
                    offset: LogOffset(7), timestamp: 1000, key: ByteBuffer(string: "k"),
                    value: ByteBuffer(string: "hello"), attributes: 2, leaderEpoch: 5
                ),
                LogRecord(offset: LogOffset(8), timestamp: 990, value: ByteBuffer(), attributes: 2, leaderEpoch: 5),
            ]
        )
    }

    @Test func encodedSizeMatchesTheEncoding() {
        let entries = [entry("hello", at: 1000, key: "k"), entry("", at: 990)]
        #expect(RecordBatch.encodedSize(of: entries) == self.encoded().readableBytes)
        #expect(RecordBatch.encodedSize(of: entries) == 43 + 2 * 24 + 1 + 5)
    }

    /// A batch of one record whose value is written in place is byte for byte the batch `encode` makes of the
    /// same entry, behind what the buffer held; over the limit, nothing is left in the buffer.
    @Test func oneRecordWrittenInPlaceIsTheSameBatch() {
        for value in ["", "v", String(repeating: "payload ", count: 300)] {
            var expected = ByteBuffer(string: "before")
            let header = RecordBatch.encode(
                [entry(value, at: 1234)], baseOffset: LogOffset(42), attributes: 0, leaderEpoch: 0, into: &expected)
            var buffer = ByteBuffer(string: "before")
            let inPlace = RecordBatch.encode(
                oneRecordAt: 1234, baseOffset: LogOffset(42), attributes: 0, leaderEpoch: 0, maximumSize: 1 << 20,
                into: &buffer
            ) { $0.writeString(value) }
            #expect(buffer == expected)
            #expect(inPlace == header)
        }
        var buffer = ByteBuffer(string: "before")
        let refused = RecordBatch.encode(
            oneRecordAt: 1, baseOffset: LogOffset(0), attributes: 0, leaderEpoch: 0, maximumSize: 43 + 24 + 9,
            into: &buffer
        ) { $0.writeString("ten bytes!") }
        #expect(refused == nil)
        #expect(buffer == ByteBuffer(string: "before"))
    }

    @Test func everyPrefixIsIncompleteAndConsumesNothing() throws {
        let whole = self.encoded()
        for cut in 0..<whole.readableBytes {
            var partial = whole.getSlice(at: 0, length: cut)!
            #expect(try RecordBatch.decode(&partial) == nil)
            #expect(partial.readableBytes == cut)
        }
    }

    @Test func everyFlippedByteAfterTheCRCFieldIsDetected() throws {
        let whole = self.encoded()
        for position in RecordBatchHeader.checksummedStart..<whole.readableBytes {
            var corrupted = whole
            corrupted.setInteger(whole.getInteger(at: position, as: UInt8.self)! ^ 0x01, at: position)
            #expect(throws: RecordBatchDecodingError.self) { _ = try RecordBatch.decode(&corrupted) }
        }
    }

    @Test func rejectsUnknownMagic() {
        var corrupted = self.encoded()
        corrupted.setInteger(UInt8(2), at: 12)
        #expect(throws: RecordBatchDecodingError.unsupportedMagic(2)) { _ = try RecordBatch.decode(&corrupted) }
    }

    @Test func rejectsLengthAboveTheLimitFromTheHeader() {
        var buffer = self.encoded()
        #expect(throws: RecordBatchDecodingError.invalidLength(Int32(buffer.readableBytes - 12))) {
            _ = try RecordBatch.decode(&buffer, maxBatchSize: 50)
        }
    }
}
