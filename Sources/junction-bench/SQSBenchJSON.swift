import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The JSON bodies of the load generator's SQS calls, written straight into the request's buffer: with
/// Foundation's `JSONSerialization` (dictionaries of `Any`) the client spent about two thirds of its CPU
/// encoding SendMessageBatch, more than the broker spent serving it; building `[UInt8]` and `String` values
/// and then copying them into the buffer was the next largest part.
enum SQSBenchJSON {
    /// `{"QueueUrl":…,"Entries":[`: the start of a batch, followed by `entry` calls and `endBatch`.
    static func beginBatch(queueURL: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"QueueUrl":"#)
        queueURL.withUnsafeBytes { Self.writeString($0, into: &buffer) }
        buffer.writeStaticString(#","Entries":["#)
    }

    /// `{"Id":"<number>",<field>:<value>}`, after a comma unless it is the first entry. An entry whose value
    /// needs no escape (every body and handle of the bench) is copied in one step: a write per piece cost a
    /// capacity check, a uniqueness check and an exclusivity check each.
    static func entry(
        _ number: Int, field: StaticString, value: UnsafeRawBufferPointer, into buffer: inout ByteBuffer
    ) {
        guard (0..<10).contains(number), Self.isPlain(value) else {
            if number > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeStaticString(#"{"Id":""#)
            Self.writeDecimal(number, into: &buffer)
            buffer.writeStaticString(#"",""#)
            buffer.writeStaticString(field)
            buffer.writeStaticString(#"":"#)
            Self.writeString(value, into: &buffer)
            buffer.writeInteger(UInt8(ascii: "}"))
            return
        }
        let comma = number > 0 ? 1 : 0
        let length = comma + 11 + field.utf8CodeUnitCount + 3 + value.count + 2
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { output in
            var cursor = output.baseAddress!
            func put(_ bytes: UnsafeRawBufferPointer) {
                cursor.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                cursor += bytes.count
            }
            func put(_ text: StaticString) {
                put(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
            }
            if comma > 0 { put(",") }
            put(#"{"Id":""#)
            cursor.storeBytes(of: UInt8(ascii: "0") + UInt8(number), as: UInt8.self)
            cursor += 1
            put(#"",""#)
            put(field)
            put(#"":""#)
            put(value)
            put(#""}"#)
            return length
        }
    }

    static func endBatch(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("]}")
    }

    /// `{"QueueUrl":…,"MaxNumberOfMessages":n,"WaitTimeSeconds":s}`.
    static func receive(queueURL: [UInt8], maximum: Int, waitSeconds: Int, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"QueueUrl":"#)
        queueURL.withUnsafeBytes { Self.writeString($0, into: &buffer) }
        buffer.writeStaticString(#","MaxNumberOfMessages":"#)
        Self.writeDecimal(maximum, into: &buffer)
        buffer.writeStaticString(#","WaitTimeSeconds":"#)
        Self.writeDecimal(waitSeconds, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// `{"QueueName":…}`.
    static func createQueue(name: String, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"QueueName":"#)
        Array(name.utf8).withUnsafeBytes { Self.writeString($0, into: &buffer) }
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// Whether `text` needs no escape in a JSON string (no quote, backslash or control character).
    static func isPlain(_ text: UnsafeRawBufferPointer) -> Bool {
        // The flags are OR-ed without branches, so the compiler checks 16 bytes a step (a short-circuit `||`
        // kept it to one byte a step: 7% of the client's CPU).
        var special: UInt8 = 0
        for byte in text {
            special |=
                (byte < 0x20 ? 1 : 0) | (byte == UInt8(ascii: "\"") ? 1 : 0) | (byte == UInt8(ascii: "\\") ? 1 : 0)
        }
        return special == 0
    }

    /// Lowercase hex of `bytes` into `output` (twice as long).
    static func hex(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        let digits: StaticString = "0123456789abcdef"
        for (index, byte) in bytes.enumerated() {
            output[2 * index] = digits.utf8Start[Int(byte >> 4)]
            output[2 * index + 1] = digits.utf8Start[Int(byte & 15)]
        }
    }

    static func writeDecimal(_ number: Int, into buffer: inout ByteBuffer) {
        if (0..<10).contains(number) {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(number))
        } else {
            buffer.writeString(String(number))
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped. Text with none of them (every body
    /// and handle of the bench) is copied whole: a byte-by-byte append was the largest part of the client's CPU.
    static func writeString(_ text: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        guard !Self.isPlain(text) else {
            buffer.writeBytes(text)
            buffer.writeInteger(UInt8(ascii: "\""))
            return
        }
        let digits: StaticString = "0123456789abcdef"
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                buffer.writeInteger(UInt8(ascii: "\\"))
                buffer.writeInteger(byte)
            case 0..<0x20:
                buffer.writeStaticString(#"\u00"#)
                buffer.writeInteger(digits.utf8Start[Int(byte >> 4)])
                buffer.writeInteger(digits.utf8Start[Int(byte & 15)])
            default:
                buffer.writeInteger(byte)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}

/// Reads the few string members the load generator needs from an SQS JSON answer (`QueueUrl`, each message's
/// `Body` and `ReceiptHandle`, a failed entry's `Code`) in one scan of the bytes: Foundation's
/// `JSONSerialization` built a dictionary of `Any` per message and was the largest part of the client's CPU.
/// A string is a member's value when the string before it was a key (followed by `:`); strings of any other
/// member, and members whose value is not a string, are skipped.
enum SQSBenchAnswer {
    /// The values of the members named in `keys`, in document order, each with the index of its key (for the
    /// rare answers read whole: CreateQueue's `QueueUrl`, failed entries' `Code`).
    static func strings(_ keys: [[UInt8]], in buffer: ByteBuffer) -> [(key: Int, value: String)] {
        var found: [(key: Int, value: String)] = []
        Self.scan(buffer, keys: keys) { key, text, escaped in
            found.append((key, escaped ? Self.unescape(text) : String(decoding: text, as: UTF8.self)))
        }
        return found
    }

    /// Calls `visit` with each value of the members named in `keys`, in document order: its key's index, the
    /// bytes between its quotes (still escaped when `escaped`) in place in `buffer`, valid only during the
    /// call. No String per value: a ReceiveMessage answer's bodies and handles were a fifth of the client's CPU.
    static func scan(
        _ buffer: ByteBuffer, keys wanted: [[UInt8]],
        _ visit: (_ key: Int, _ text: UnsafeRawBufferPointer, _ escaped: Bool) -> Void
    ) {
        buffer.withUnsafeReadableBytes { bytes in
            var index = 0
            var pending: Int?
            while index < bytes.count {
                let byte = bytes[index]
                guard byte == UInt8(ascii: "\"") else {
                    if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "\r")
                        && byte != UInt8(ascii: "\t")
                    {
                        pending = nil
                    }
                    index += 1
                    continue
                }
                let start = index + 1
                // The closing quote: the next one not escaped (found with memchr, which is vectorised).
                var end = start
                while true {
                    guard end < bytes.count,
                        let quote = memchr(bytes.baseAddress! + end, Int32(UInt8(ascii: "\"")), bytes.count - end)
                    else { return }
                    end = bytes.baseAddress!.distance(to: UnsafeRawPointer(quote))
                    var backslashes = 0
                    while end - backslashes > start && bytes[end - backslashes - 1] == UInt8(ascii: "\\") {
                        backslashes += 1
                    }
                    if backslashes % 2 == 0 { break }
                    end += 1
                }
                let escaped = memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "\\")), end - start) != nil
                let text = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                var next = end + 1
                while next < bytes.count, bytes[next] == UInt8(ascii: " ") || bytes[next] == UInt8(ascii: "\n") {
                    next += 1
                }
                if next < bytes.count && bytes[next] == UInt8(ascii: ":") {
                    pending = escaped ? nil : wanted.firstIndex { $0.elementsEqual(text) }
                    index = next + 1
                    continue
                }
                if let key = pending { visit(key, text, escaped) }
                pending = nil
                index = end + 1
            }
        }
    }

    /// A JSON string's contents with its escapes decoded (`\uXXXX` pairs included).
    static func unescape(_ text: UnsafeRawBufferPointer) -> String {
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
            utf8.removeAll(keepingCapacity: true)
        }
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= text.count else { return nil }
            return UInt32(
                String(decoding: UnsafeRawBufferPointer(rebasing: text[at..<at + 4]), as: UTF8.self), radix: 16)
        }
        var index = 0
        var highSurrogate: UInt32?
        while index < text.count {
            let byte = text[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < text.count else {
                utf8.append(byte)
                index += 1
                continue
            }
            let escape = text[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "u"):
                guard let code = hex4(index) else { continue }
                index += 4
                flush()
                if (0xD800..<0xDC00).contains(code) {
                    highSurrogate = code
                } else if let high = highSurrogate, (0xDC00..<0xE000).contains(code) {
                    highSurrogate = nil
                    scalars.append(Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)) ?? "\u{FFFD}")
                } else {
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                }
            default: utf8.append(escape)
            }
        }
        flush()
        return String(scalars)
    }
}
