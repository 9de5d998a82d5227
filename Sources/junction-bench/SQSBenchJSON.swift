import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The JSON bodies of the load generator's steady-state SQS calls, written straight into bytes: with
/// Foundation's `JSONSerialization` (dictionaries of `Any`) the client spent about two thirds of its CPU
/// encoding SendMessageBatch, more than the broker spent serving it.
enum SQSBenchJSON {
    /// `{"QueueUrl":…,"Entries":[{"Id":"0",<field>:…},…]}`.
    static func batch(queueURL: String, field: String, values: [String]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64 + values.reduce(0) { $0 + $1.utf8.count + field.utf8.count + 20 })
        output.append(contentsOf: #"{"QueueUrl":"#.utf8)
        Self.string(queueURL, into: &output)
        output.append(contentsOf: #","Entries":["#.utf8)
        for (number, value) in values.enumerated() {
            if number > 0 { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: #"{"Id":""#.utf8)
            output.append(contentsOf: String(number).utf8)
            output.append(contentsOf: #"",""#.utf8)
            output.append(contentsOf: field.utf8)
            output.append(contentsOf: #"":"#.utf8)
            Self.string(value, into: &output)
            output.append(UInt8(ascii: "}"))
        }
        output.append(contentsOf: "]}".utf8)
        return output
    }

    /// `{"QueueUrl":…,"MaxNumberOfMessages":n,"WaitTimeSeconds":s}`.
    static func receive(queueURL: String, maximum: Int, waitSeconds: Int) -> [UInt8] {
        var output: [UInt8] = Array(#"{"QueueUrl":"#.utf8)
        Self.string(queueURL, into: &output)
        output.append(contentsOf: #","MaxNumberOfMessages":\#(maximum),"WaitTimeSeconds":\#(waitSeconds)}"#.utf8)
        return output
    }

    /// A JSON string: quotes, backslashes and control characters escaped. Text with none of them (every body
    /// and handle of the bench) is copied whole: a byte-by-byte append was the largest part of the client's CPU.
    static func string(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        // Over the contiguous bytes: a check through `String.UTF8View` cost about a nanosecond a byte. The
        // flags are OR-ed without branches, so the compiler checks 16 bytes a step (a short-circuit `||` kept
        // it to one byte a step: 7% of the client's CPU).
        let plain = text.withUTF8 { bytes in
            output.append(contentsOf: bytes)
            var special: UInt8 = 0
            for byte in bytes {
                special |=
                    (byte < 0x20 ? 1 : 0) | (byte == UInt8(ascii: "\"") ? 1 : 0) | (byte == UInt8(ascii: "\\") ? 1 : 0)
            }
            return special == 0
        }
        if plain {
            output.append(UInt8(ascii: "\""))
            return
        }
        output.removeLast(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                output.append(UInt8(ascii: "\\"))
                output.append(byte)
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(digits[Int(byte >> 4)])
                output.append(digits[Int(byte & 15)])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// Reads the few string members the load generator needs from an SQS JSON answer (`QueueUrl`, each message's
/// `Body` and `ReceiptHandle`, a failed entry's `Code`) in one scan of the bytes: Foundation's
/// `JSONSerialization` built a dictionary of `Any` per message and was the largest part of the client's CPU.
/// A string is a member's value when the string before it was a key (followed by `:`); strings of any other
/// member, and members whose value is not a string, are skipped.
enum SQSBenchAnswer {
    /// The values of the members named in `keys`, in document order, each with the index of its key.
    /// `prefixes[k]` keeps only that many leading bytes of key `k`'s unescaped values (the stamp of a 1 KiB
    /// body is its first bytes: making the whole body a `String` was wasted work).
    static func strings(
        _ keys: [String], in buffer: ByteBuffer, prefixes: [Int: Int] = [:]
    ) -> [(key: Int, value: String)] {
        let wanted = keys.map { Array($0.utf8) }
        var found: [(key: Int, value: String)] = []
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
                if let key = pending {
                    let kept =
                        escaped ? text : UnsafeRawBufferPointer(rebasing: text.prefix(prefixes[key] ?? text.count))
                    found.append((key, escaped ? Self.unescape(text) : String(decoding: kept, as: UTF8.self)))
                }
                pending = nil
                index = end + 1
            }
        }
        return found
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
