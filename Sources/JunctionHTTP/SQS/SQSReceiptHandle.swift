import JunctionCore
import NIOCore

/// A receipt handle, `<lease in hex>-<delivery in decimal>`: the lease (`SQSInFlight`) a receive put the message
/// in and its delivery. Kept as the two numbers; its text is written where an answer needs it, on the
/// connection's loop (a `String` per received message was an allocation of the engine loop's), and read back
/// from a delete's or a visibility change's text.
struct SQSReceiptHandle: Hashable, Sendable {
    var lease: UInt64
    var delivery: DeliveryID

    init(lease: UInt64, delivery: DeliveryID) {
        self.lease = lease
        self.delivery = delivery
    }

    /// The handle `text` names, or nil when it is not one this broker issues.
    init?(_ text: String) {
        var lease: UInt64 = 0
        var delivery: UInt64 = 0
        var leaseDigits = 0
        var deliveryDigits = 0
        var inDelivery = false
        for byte in text.utf8 {
            if !inDelivery {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                case UInt8(ascii: "-") where leaseDigits > 0:
                    inDelivery = true
                    continue
                default: return nil
                }
                guard leaseDigits < 16 else { return nil }
                lease = lease << 4 | UInt64(digit)
                leaseDigits += 1
            } else {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                let (times10, overflow) = delivery.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                guard !overflow, !overflow2 else { return nil }
                delivery = sum
                deliveryDigits += 1
            }
        }
        guard inDelivery, deliveryDigits > 0 else { return nil }
        self.init(lease: lease, delivery: DeliveryID(delivery))
    }

    /// At most 16 hex digits, the dash and 20 decimal digits.
    static let maximumLength = 37

    var text: String {
        String(unsafeUninitializedCapacity: Self.maximumLength) { self.write(into: UnsafeMutableRawBufferPointer($0)) }
    }

    /// The text as a JSON string (quoted: it has nothing to escape), behind what `buffer` holds.
    func writeJSON(into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.maximumLength + 2) { output in
            output[0] = UInt8(ascii: "\"")
            let length = self.write(into: UnsafeMutableRawBufferPointer(rebasing: output[1...]))
            output[length + 1] = UInt8(ascii: "\"")
            return length + 2
        }
    }

    /// Writes the text at the start of `output` (at least `maximumLength` bytes) and returns its length.
    private func write(into output: UnsafeMutableRawBufferPointer) -> Int {
        let digits: StaticString = "0123456789abcdef"
        var position = 0
        var shift = 60
        // The lease's hex without leading zeros (it is never 0), then the delivery in decimal.
        while shift > 0 && self.lease >> UInt64(shift) == 0 { shift -= 4 }
        while shift >= 0 {
            output[position] = digits.utf8Start[Int((self.lease >> UInt64(shift)) & 15)]
            position += 1
            shift -= 4
        }
        output[position] = UInt8(ascii: "-")
        position += 1
        let delivery = self.delivery.rawValue
        var count = 1
        var rest = delivery / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        var value = delivery
        for index in stride(from: position + count - 1, through: position, by: -1) {
            output[index] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        }
        return position + count
    }
}
