import JunctionCore
public import JunctionModel

extension JSONValue {
    /// AMQP field values as RabbitMQ's management API shows them.
    public init(_ value: FieldValue) {
        switch value {
        case .boolean(let v): self = .bool(v)
        case .int8(let v): self = .int(Int64(v))
        case .uint8(let v): self = .int(Int64(v))
        case .int16(let v): self = .int(Int64(v))
        case .uint16(let v): self = .int(Int64(v))
        case .int32(let v): self = .int(Int64(v))
        case .uint32(let v): self = .int(Int64(v))
        case .int64(let v): self = .int(v)
        case .float(let v): self = .double(Double(v))
        case .double(let v): self = .double(v)
        case .decimal(let scale, let value):
            var scaled = Double(value)
            for _ in 0..<scale { scaled /= 10 }
            self = .double(scaled)
        case .longString(let bytes): self = .string(String(decoding: bytes, as: UTF8.self))
        case .timestamp(let v): self = .int(Int64(clamping: v))
        case .table(let table): self = JSONValue(table)
        case .array(let items): self = .array(items.map(JSONValue.init))
        case .byteArray(let bytes): self = .string(String(decoding: bytes, as: UTF8.self))
        case .void: self = .null
        }
    }

    public init(_ table: FieldTable) {
        self = .object(table.entries.map { ($0.key, JSONValue($0.value)) })
    }

    /// The field value a JSON value declares: integers become signed 64-bit (`l`), as RabbitMQ does.
    public var fieldValue: FieldValue {
        switch self {
        case .null: .void
        case .bool(let v): .boolean(v)
        case .int(let v): .int64(v)
        case .double(let v): .double(v)
        case .string(let v): .string(v)
        case .array(let items): .array(items.map(\.fieldValue))
        case .object(let members): .table(FieldTable(members.map { (key: $0.0, value: $0.1.fieldValue) }))
        }
    }

    /// A JSON object as a field table; nil when this is not an object.
    public var fieldTable: FieldTable? {
        guard case .object(let members) = self else { return nil }
        return FieldTable(members.map { (key: $0.0, value: $0.1.fieldValue) })
    }
}
