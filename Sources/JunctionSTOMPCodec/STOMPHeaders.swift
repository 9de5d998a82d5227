/// A frame's headers in wire order. When a name repeats, the first entry is the one that counts
/// (STOMP 1.2 "Repeated Header Entries"); the others are kept so a frame re-encodes as it came.
public struct STOMPHeaders: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var entries: [Entry]

    public init() { self.entries = [] }
    public init(_ entries: [Entry]) { self.entries = entries }
    public init(dictionaryLiteral elements: (String, String)...) {
        self.entries = elements.map { Entry(name: $0.0, value: $0.1) }
    }

    public var count: Int { self.entries.count }
    public var isEmpty: Bool { self.entries.isEmpty }

    /// The first value of `name`.
    public subscript(name: String) -> String? {
        for entry in self.entries where entry.name == name {
            return entry.value
        }
        return nil
    }

    public mutating func append(_ name: String, _ value: String) {
        self.entries.append(Entry(name: name, value: value))
    }

    public func makeIterator() -> IndexingIterator<[Entry]> { self.entries.makeIterator() }
}
