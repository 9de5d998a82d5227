import Foundation
public import NIOCore

/// Golden wire vectors under `protocols/<protocol>/vectors/`, captured from real clients.
///
/// A vector file holds hex bytes; whitespace is ignored and `#` starts a comment that runs to the end of the line.
/// Its first line is a comment naming the client and its version.
public enum Vectors {
    /// A vector file that is missing or not valid hex.
    public struct LoadError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(self.path): \(self.reason)" }
    }

    /// The repository root, found from this file's path (`Tests/JunctionTestSupport/Vectors.swift`).
    public static var repositoryRoot: String {
        var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return components.joined(separator: "/")
    }

    /// Loads `"<protocol>/<file>"` from `protocols/<protocol>/vectors/<file>`,
    /// e.g. `Vectors.load("amqp-0-9-1/pika-basic-ack.hex")`.
    public static func load(_ name: String) throws -> ByteBuffer {
        let path = Self.path(of: name)
        return ByteBuffer(bytes: try Self.parseHex(Self.read(path), path: path))
    }

    /// The comment lines of a vector, without their `#`.
    public static func comments(_ name: String) throws -> [String] {
        try Self.read(Self.path(of: name)).split(whereSeparator: \.isNewline)
            .map { $0.drop(while: \.isWhitespace) }
            .filter { $0.hasPrefix("#") }
            .map { String($0.dropFirst().drop(while: \.isWhitespace)) }
    }

    /// Parses hex text with `#` comments (to the end of the line) and arbitrary whitespace.
    public static func parseHex(_ text: String, path: String = "<text>") throws -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8?
        for line in text.split(whereSeparator: \.isNewline) {
            for character in line.prefix(while: { $0 != "#" }) where !character.isWhitespace {
                guard let nibble = character.hexDigitValue else {
                    throw LoadError(path: path, reason: "'\(character)' is not a hex digit")
                }
                if let pending = high {
                    bytes.append(pending << 4 | UInt8(nibble))
                    high = nil
                } else {
                    high = UInt8(nibble)
                }
            }
        }
        guard high == nil else { throw LoadError(path: path, reason: "odd number of hex digits") }
        return bytes
    }

    private static func path(of name: String) -> String {
        let parts = name.split(separator: "/", maxSplits: 1)
        let relative = parts.count == 2 ? "\(parts[0])/vectors/\(parts[1])" : name
        return "\(Self.repositoryRoot)/protocols/\(relative)"
    }

    private static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(path: path, reason: "cannot read")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
