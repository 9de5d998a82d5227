import FuzzSupport
import JunctionStorage
import NIOCore

/// The input is the content of a segment file: record batches as the segment reader decodes them, one after
/// the other until the first one refused or incomplete. The first four bytes of a batch's CRC are set right
/// when the input's first byte is odd, so that the records behind the checksum are reached too.
@main
enum FuzzRecordBatch {
    static func main() {
        FuzzDriver.run { data, count in
            var input = ByteBuffer(fuzzInput: data, count: count)
            guard let mode = input.readInteger(as: UInt8.self) else { return 0 }
            let fixChecksums = mode & 1 == 1
            let maxBatchSize = 64 * 1024
            while input.readableBytes > 0 {
                if fixChecksums { Self.fixChecksum(&input, maxBatchSize: maxBatchSize) }
                let header = try? RecordBatch.decodeHeader(input, at: input.readerIndex, maxBatchSize: maxBatchSize)
                let batch: RecordBatch?
                do {
                    batch = try RecordBatch.decode(&input, maxBatchSize: maxBatchSize)
                } catch {
                    return 0
                }
                guard let batch else { return 0 }
                fuzzCheck(header == batch.header, "decodeHeader and decode disagree")
                fuzzCheck(batch.records.count == Int(batch.header.recordCount), "record count")
                for (index, record) in batch.records.enumerated() {
                    fuzzCheck(record.offset == batch.header.baseOffset.advanced(by: Int64(index)), "record offsets")
                }
            }
            return 0
        }
    }

    /// Writes the CRC-32C the batch at the reader index would need, when its header is readable.
    static func fixChecksum(_ buffer: inout ByteBuffer, maxBatchSize: Int) {
        let start = buffer.readerIndex
        guard let header = try? RecordBatch.decodeHeader(buffer, at: start, maxBatchSize: maxBatchSize),
            buffer.readableBytes >= header.totalSize,
            let region = buffer.getSlice(
                at: start + RecordBatchHeader.checksummedStart,
                length: header.totalSize - RecordBatchHeader.checksummedStart)
        else { return }
        let crc = region.withUnsafeReadableBytes { CRC32C.checksum($0) }
        buffer.setInteger(crc, at: start + 13)
    }
}
