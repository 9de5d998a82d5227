import JunctionStorage
import JunctionTestSupport
import NIOCore
import Testing

@Suite struct StorageGoldenSegmentTests {
    private static func fixture() throws -> [UInt8] {
        try Vectors.parseHex(SegmentFormatV1Fixture.segment0)
    }

    private static let expected = [
        LogRecord(
            offset: LogOffset(0), timestamp: 1_700_000_000_000, key: ByteBuffer(string: "k1"),
            value: ByteBuffer(string: "hello")
        ),
        LogRecord(offset: LogOffset(1), timestamp: 1_700_000_000_005, value: ByteBuffer()),
        LogRecord(
            offset: LogOffset(2), timestamp: 1_699_999_999_000, key: ByteBuffer(), value: ByteBuffer(string: "world!"),
            attributes: 1, leaderEpoch: 3
        ),
    ]

    @Test func decodesVersion1BatchesToExactRecords() throws {
        var buffer = ByteBuffer(bytes: try Self.fixture())
        var records: [LogRecord] = []
        while let batch = try RecordBatch.decode(&buffer) { records += batch.records }
        #expect(buffer.readableBytes == 0)
        #expect(records == Self.expected)
    }

    @Test func ourEncoderProducesTheSameBytes() throws {
        var buffer = ByteBuffer()
        RecordBatch.encode(
            [entry("hello", at: 1_700_000_000_000, key: "k1"), entry("", at: 1_700_000_000_005)],
            baseOffset: .zero, attributes: 0, leaderEpoch: 0, into: &buffer
        )
        RecordBatch.encode(
            [entry("world!", at: 1_699_999_999_000, key: "")],
            baseOffset: LogOffset(2), attributes: 1, leaderEpoch: 3, into: &buffer
        )
        #expect(Array(buffer.readableBytesView) == (try Self.fixture()))
    }

    @Test func opensAGoldenSegmentDirectoryWithoutIndexes() throws {
        let directory = TemporaryDirectory()
        try directory.write("00000000000000000000.log", try Self.fixture())
        let log = try SegmentedLog(directory: directory.path)
        #expect(log.recoveryReport.truncations.isEmpty)
        #expect(log.nextOffset == LogOffset(3))
        #expect(try log.read(from: .zero, maxRecords: 10, maxBytes: 1 << 20) == Self.expected)
        #expect(try log.offset(atOrAfter: 1_700_000_000_001) == LogOffset(1))
        try log.close()
    }
}
