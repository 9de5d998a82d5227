import Foundation
public import NIOCore

/// Wire bytes captured from real clients, read from `protocols/<protocol>/vectors/` of the repository
/// (the same files the codec tests use), so no benchmark decodes bytes our own encoder wrote.
public enum ProtocolVectors {
    /// The repository root, found from this file's path (`Benchmarks/Sources/BenchmarkSupport/…`).
    static var repositoryRoot: String {
        var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(4)
        return components.joined(separator: "/")
    }

    /// Loads `"<protocol>/<file>"`, e.g. `load("amqp-0-9-1/pika-basic-publish.hex")`: hex digits, with
    /// whitespace ignored and `#` starting a comment that runs to the end of the line.
    public static func load(_ name: String) -> ByteBuffer {
        let protocolName = name.prefix { $0 != "/" }
        let file = name.dropFirst(protocolName.count + 1)
        let path = "\(Self.repositoryRoot)/protocols/\(protocolName)/vectors/\(file)"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            fatalError("cannot read vector \(path)")
        }
        var bytes: [UInt8] = []
        var high: UInt8?
        for line in text.split(whereSeparator: \.isNewline) {
            for character in line.prefix(while: { $0 != "#" }) where !character.isWhitespace {
                guard let nibble = character.hexDigitValue else { fatalError("\(path): '\(character)' is not hex") }
                if let pending = high {
                    bytes.append(pending << 4 | UInt8(nibble))
                    high = nil
                } else {
                    high = UInt8(nibble)
                }
            }
        }
        guard high == nil else { fatalError("\(path): odd number of hex digits") }
        return ByteBuffer(bytes: bytes)
    }

    /// `count` copies of the concatenated `parts`, in one buffer: a read burst of identical messages.
    public static func burst(of parts: [ByteBuffer], count: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(parts.reduce(0) { $0 + $1.readableBytes } * count)
        for _ in 0..<count {
            for part in parts { buffer.writeImmutableBuffer(part) }
        }
        return buffer
    }
}
