import Crypto
import NIOHTTP1

extension SQSSignatureV4 {
    /// SigV4's canonical request, written as the bytes that are hashed: method, canonical path, canonical
    /// query, `name:value` per signed header, the signed header list and the payload hash (hex), one per line.
    /// Every SQS request makes one; made of joined `String`s it was ~3% of the SQS loops' CPU.
    static func canonicalRequest(
        method: String, target: String, headers: HTTPHeaders, signedHeaders: [String], payloadDigest: SHA256Digest
    ) -> [UInt8] {
        let newline = UInt8(ascii: "\n")
        var output: [UInt8] = []
        output.reserveCapacity(256 + target.utf8.count)
        output += method.utf8
        output.append(newline)
        let path: Substring
        let query: Substring
        if let mark = target.firstIndex(of: "?") {
            path = target[..<mark]
            query = target[target.index(after: mark)...]
        } else {
            path = target[...]
            query = ""
        }
        if path.isEmpty {
            output.append(UInt8(ascii: "/"))
        } else if path.utf8.allSatisfy(Self.isUnreservedOrSlash) {
            // Nothing to decode or encode (SDKs post to `/` or a queue's path): the path as it is.
            output += path.utf8
        } else {
            output += Self.encode(Self.decode(path), keepingSlash: true).utf8
        }
        output.append(newline)
        if !query.isEmpty {
            let pairs = query.split(separator: "&").map { item -> (String, String) in
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = Self.encode(Self.decode(parts[0]), keepingSlash: false)
                let value = parts.count > 1 ? Self.encode(Self.decode(parts[1]), keepingSlash: false) : ""
                return (name, value)
            }
            for (index, pair) in pairs.sorted(by: { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }).enumerated() {
                if index > 0 { output.append(UInt8(ascii: "&")) }
                output += pair.0.utf8
                output.append(UInt8(ascii: "="))
                output += pair.1.utf8
            }
        }
        output.append(newline)
        for name in signedHeaders {
            output += name.utf8
            output.append(UInt8(ascii: ":"))
            var first = true
            for (headerName, value) in headers where Self.equalsIgnoringCase(headerName, lowercased: name) {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                Self.appendCollapsingSpaces(value, to: &output)
            }
            output.append(newline)
        }
        output.append(newline)
        for (index, name) in signedHeaders.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ";")) }
            output += name.utf8
        }
        output.append(newline)
        Self.appendHex(payloadDigest, to: &output)
        return output
    }

    /// What RFC 3986 percent-encoding leaves as it is in a path.
    private static func isUnreservedOrSlash(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: "~"), UInt8(ascii: "/"):
            true
        default: false
        }
    }

    /// Whether `name` is `lowercased` in any ASCII case (header names are ASCII tokens).
    private static func equalsIgnoringCase(_ name: String, lowercased: String) -> Bool {
        guard name.utf8.count == lowercased.utf8.count else { return false }
        return zip(name.utf8, lowercased.utf8).allSatisfy { ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 }
    }

    /// A header value as SigV4 canonicalises it: spaces and tabs off both ends, runs of spaces made one.
    private static func appendCollapsingSpaces(_ value: String, to output: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            var end = bytes.count
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            var lastWasSpace = false
            for byte in bytes[start..<end] {
                if byte == 0x20 {
                    if !lastWasSpace { output.append(byte) }
                    lastWasSpace = true
                } else {
                    output.append(byte)
                    lastWasSpace = false
                }
            }
        }
    }
}
