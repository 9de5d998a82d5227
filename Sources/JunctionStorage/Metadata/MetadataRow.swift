import Foundation
import GRDB

/// Typed, non-trapping access to one row of a metadata table: GRDB's typed subscripts trap on a
/// mismatched value, a damaged file must throw instead.
struct MetadataRow {
    let row: Row
    let table: String

    func text(_ column: String) throws -> String {
        let value: DatabaseValue = row[column]
        guard let text = String.fromDatabaseValue(value) else { throw corrupt(column, value) }
        return text
    }

    /// A text column that may be NULL.
    func optionalText(_ column: String) throws -> String? {
        let value: DatabaseValue = row[column]
        if value.isNull { return nil }
        guard let text = String.fromDatabaseValue(value) else { throw corrupt(column, value) }
        return text
    }

    func bytes(_ column: String) throws -> [UInt8] {
        let value: DatabaseValue = row[column]
        guard let data = Data.fromDatabaseValue(value) else { throw corrupt(column, value) }
        return [UInt8](data)
    }

    /// A set of MQTT packet ids stored by `MQTTPacketIDs.encode`.
    func packetIDs(_ column: String) throws -> Set<UInt16> {
        let bytes = try bytes(column)
        guard let ids = MQTTPacketIDs.decode(bytes) else {
            throw corrupt(column, DatabaseValue(value: MetadataValue.blob(bytes)))
        }
        return ids
    }

    func bool(_ column: String) throws -> Bool {
        try integer(column) != 0
    }

    func integer(_ column: String) throws -> Int64 {
        let value: DatabaseValue = row[column]
        guard let integer = Int64.fromDatabaseValue(value) else { throw corrupt(column, value) }
        return integer
    }

    /// An unsigned 64-bit value stored by `MetadataValue.unsigned(_:)` (bit pattern).
    func unsigned64(_ column: String) throws -> UInt64 {
        UInt64(bitPattern: try integer(column))
    }

    func fixedWidth<T: FixedWidthInteger>(_ column: String, as type: T.Type = T.self) throws -> T {
        let integer = try integer(column)
        guard let value = T(exactly: integer) else { throw corrupt(column, DatabaseValue(value: integer)) }
        return value
    }

    func optionalFixedWidth<T: FixedWidthInteger>(_ column: String, as type: T.Type = T.self) throws -> T? {
        let value: DatabaseValue = row[column]
        if value.isNull { return nil }
        return try fixedWidth(column, as: type)
    }

    func enumeration<T: RawRepresentable>(_ column: String, as type: T.Type = T.self) throws -> T
    where T.RawValue == String {
        let raw = try text(column)
        guard let value = T(rawValue: raw) else { throw corrupt(column, raw.databaseValue) }
        return value
    }

    private func corrupt(_ column: String, _ value: DatabaseValue?) -> MetadataDecodingError {
        MetadataDecodingError(table: table, column: column, value: value.map { "\($0)" } ?? "nothing")
    }
}

/// Conversions of record fields into SQLite values.
enum MetadataValue {
    /// A blob parameter. Bind it as `coalesce(?, x'')`: SQLite binds an empty buffer as NULL.
    static func blob(_ bytes: [UInt8]) -> Data {
        Data(bytes)
    }

    /// Unsigned 64-bit values keep their bit pattern, so every value round-trips.
    static func unsigned(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value)
    }
}
