public import NIOCore

/// The last string decoded at one place of a protocol, reused while its bytes repeat. A publisher sends the
/// same exchange, routing key or topic with every message: comparing a few bytes is cheaper than validating
/// them and, past 15 bytes (Swift's inline limit), allocating a new `String` each time. Decoders call
/// `match` first and `remember` what they decoded and validated themselves.
public struct RepeatedStringCache: Sendable {
    private var last = ""

    public init() {}

    /// The cached string when its UTF-8 is exactly `bytes`.
    public func match(_ bytes: UnsafeRawBufferPointer) -> String? {
        let matches =
            self.last.utf8.withContiguousStorageIfAvailable { cached in
                cached.count == bytes.count && cached.elementsEqual(bytes)
            } ?? false
        return matches ? self.last : nil
    }

    public mutating func remember(_ string: String) {
        self.last = string
    }

    /// For a length-prefixed string at the reader index (a `lengthFieldBytes`-byte field holding `length`):
    /// when its bytes are the cached string's, moves the reader past field and bytes and returns the string;
    /// otherwise (different bytes or not all there yet) leaves the buffer alone and returns nil.
    public func take(from buffer: inout ByteBuffer, lengthFieldBytes: Int, length: Int) -> String? {
        guard buffer.readableBytes >= lengthFieldBytes + length else { return nil }
        let cached = buffer.withUnsafeReadableBytes { raw in
            self.match(UnsafeRawBufferPointer(rebasing: raw[lengthFieldBytes..<lengthFieldBytes + length]))
        }
        if cached != nil {
            buffer.moveReaderIndex(forwardBy: lengthFieldBytes + length)
        }
        return cached
    }
}

/// The last result of a string-to-string mapping (an MQTT topic to its routing key and back), reused while
/// the input repeats: equal inputs that share storage compare without reading their bytes.
public struct RepeatedMapping: Sendable {
    private var input = ""
    private var output = ""
    private let transform: @Sendable (String) -> String

    public init(_ transform: @escaping @Sendable (String) -> String) {
        self.transform = transform
        self.output = transform("")
    }

    public mutating func map(_ input: String) -> String {
        if input != self.input {
            self.input = input
            self.output = self.transform(input)
        }
        return self.output
    }
}
