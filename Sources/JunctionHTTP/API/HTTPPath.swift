/// A request target split into percent-decoded path segments and query parameters. Each segment is
/// decoded on its own, so `%2F` (the vhost `/`) never splits a segment.
public struct HTTPPath: Sendable, Equatable {
    public var segments: [String]
    public var query: [String: String]

    public init(segments: [String], query: [String: String] = [:]) {
        self.segments = segments
        self.query = query
    }

    /// Parses `/api/queues/%2F/orders?columns=name`. Returns nil for a malformed percent escape or
    /// a target that is not an absolute path.
    public init?(target: String) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts[0]
        guard path.first == "/" else { return nil }
        var segments: [String] = []
        // "/api/queues/" has a trailing empty segment; RabbitMQ treats it like "/api/queues".
        for raw in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let decoded = Self.percentDecode(raw, plusIsSpace: false) else { return nil }
            segments.append(decoded)
        }
        if segments.last == "" { segments.removeLast() }
        var query: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let key = Self.percentDecode(keyValue[0], plusIsSpace: true) else { return nil }
                let value = keyValue.count > 1 ? Self.percentDecode(keyValue[1], plusIsSpace: true) : ""
                guard let value else { return nil }
                query[key] = value
            }
        }
        self.segments = segments
        self.query = query
    }

    /// Decodes `%XX` escapes (and `+` in query strings); nil when an escape is malformed or the
    /// bytes are not UTF-8.
    static func percentDecode(_ text: Substring, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(Self.hexValue),
                    let low = iterator.next().flatMap(Self.hexValue)
                else {
                    return nil
                }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
