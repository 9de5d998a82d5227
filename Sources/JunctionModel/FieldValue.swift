/// A header value with the AMQP 0-9-1 field-table value types (RabbitMQ's dialect of the type tags),
/// the richest of the protocols we speak: every other protocol's headers map into a subset of it.
public enum FieldValue: Sendable, Hashable {
    case boolean(Bool)
    case int8(Int8)
    case uint8(UInt8)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case float(Float)
    case double(Double)
    /// Scale is the number of decimal digits after the point.
    case decimal(scale: UInt8, value: UInt32)
    /// AMQP long string: bytes, usually UTF-8, never forced through `String`.
    case longString([UInt8])
    /// Seconds since the epoch.
    case timestamp(UInt64)
    case table(FieldTable)
    case array([FieldValue])
    case byteArray([UInt8])
    case void

    /// A long string holding the UTF-8 bytes of `text`.
    public static func string(_ text: String) -> FieldValue { .longString(Array(text.utf8)) }

    /// The value as text when it is a string; nil for any other type.
    public var stringValue: String? {
        if case .longString(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// The value as an integer when it is any integer type.
    public var integerValue: Int64? {
        switch self {
        case .int8(let v): Int64(v)
        case .uint8(let v): Int64(v)
        case .int16(let v): Int64(v)
        case .uint16(let v): Int64(v)
        case .int32(let v): Int64(v)
        case .uint32(let v): Int64(v)
        case .int64(let v): v
        case .timestamp(let v): Int64(clamping: v)
        case .boolean, .float, .double, .decimal, .longString, .table, .array, .byteArray, .void: nil
        }
    }
}

/// An ordered field table. Order is kept as the client sent it; lookups are linear because real
/// tables hold a handful of entries.
public struct FieldTable: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    public var entries: [(key: String, value: FieldValue)]

    public init() { self.entries = [] }
    public init(_ entries: [(key: String, value: FieldValue)]) { self.entries = entries }
    public init(dictionaryLiteral elements: (String, FieldValue)...) {
        self.entries = elements.map { (key: $0.0, value: $0.1) }
    }

    public var isEmpty: Bool { self.entries.isEmpty }
    public var count: Int { self.entries.count }

    public subscript(key: String) -> FieldValue? {
        get { self.entries.first(where: { $0.key == key })?.value }
        set {
            if let index = self.entries.firstIndex(where: { $0.key == key }) {
                if let newValue { self.entries[index].value = newValue } else { self.entries.remove(at: index) }
            } else if let newValue {
                self.entries.append((key: key, value: newValue))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: FieldValue)]> {
        self.entries.makeIterator()
    }

    public static func == (lhs: FieldTable, rhs: FieldTable) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.entries.count)
        for entry in self.entries {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }
}
