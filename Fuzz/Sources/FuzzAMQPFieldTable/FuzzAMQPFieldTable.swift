import FuzzSupport
import JunctionModel
import NIOCore

/// The input is an AMQP field table (a long-uint size and its fields, nested tables and arrays included).
/// A table that decodes re-encodes to bytes that decode and re-encode to the same bytes.
@main
enum FuzzAMQPFieldTable {
    static func main() {
        FuzzDriver.run { data, count in
            var input = ByteBuffer(fuzzInput: data, count: count)
            guard let table = try? input.readBinaryFieldTable() else { return 0 }
            var encoded = ByteBuffer()
            encoded.writeBinaryFieldTable(table)
            var copy = encoded
            let again: FieldTable?
            do {
                again = try copy.readBinaryFieldTable()
            } catch {
                fuzzCheck(false, "re-encoded table is refused: \(error)")
                return 0
            }
            guard let again else {
                fuzzCheck(false, "re-encoded table is truncated")
                return 0
            }
            fuzzCheck(copy.readableBytes == 0, "re-encoded table decodes with bytes left over")
            var reencoded = ByteBuffer()
            reencoded.writeBinaryFieldTable(again)
            fuzzCheck(reencoded == encoded, "table re-encodes differently after a round trip")
            return 0
        }
    }
}
