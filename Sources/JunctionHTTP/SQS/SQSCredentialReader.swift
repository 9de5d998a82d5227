import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads each request's `Authorization` header on one connection. A client signs its requests with the same
/// credential scope and signed headers, so only the signature (the header's last 64 characters) changes
/// from one request to the next: when everything before it is what the last full parse read, the fields are
/// taken from that parse and only the signature is new. The full parse made arrays and strings per request
/// (~3% of the SQS loops' CPU).
struct SQSCredentialReader {
    /// The last header up to and including `Signature=`, and what it parsed to.
    private var prefix: String?
    private var parsed: SQSSignatureV4.Credential?

    mutating func credential(from headers: HTTPHeaders) throws(SQSSignatureV4.Failure) -> SQSSignatureV4.Credential {
        guard var header = headers.first(name: "Authorization") else { throw .missing }
        if var prefix = self.prefix, var parsed = self.parsed {
            // Compared as two byte buffers (one `memcmp`), not as two `UTF8View`s walked index by index.
            let signature: String? = header.withUTF8 { bytes in
                prefix.withUTF8 { known in
                    guard bytes.count == known.count + 64,
                        memcmp(bytes.baseAddress!, known.baseAddress!, known.count) == 0
                    else { return nil }
                    let tail = UnsafeBufferPointer(rebasing: bytes[known.count...])
                    guard tail.allSatisfy(Self.isHexDigit) else { return nil }
                    return String(unsafeUninitializedCapacity: 64) { output in
                        for (index, byte) in tail.enumerated() {
                            output[index] = byte >= 0x41 && byte <= 0x46 ? byte | 0x20 : byte
                        }
                        return 64
                    }
                }
            }
            if let signature {
                parsed.signature = signature
                return parsed
            }
        }
        let utf8 = header.utf8
        let credential = try SQSSignatureV4.credential(from: headers)
        // Kept when the signature is the header's last field, 64 hex digits right after `Signature=`.
        let marker = "Signature="
        if utf8.count > 64 + marker.utf8.count, credential.signature.utf8.count == 64 {
            let split = utf8.index(utf8.endIndex, offsetBy: -64)
            let prefix = utf8[..<split]
            if prefix.reversed().starts(with: marker.utf8.reversed()), utf8[split...].allSatisfy(Self.isHexDigit) {
                self.prefix = String(decoding: prefix, as: UTF8.self)
                self.parsed = credential
            }
        }
        return credential
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }
}
