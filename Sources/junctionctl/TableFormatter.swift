import Foundation

/// Prints rows as an aligned table (humans) or the API's JSON (scripts).
enum TableFormatter {
    static func print(_ items: [[String: Any]], columns: [String], json: Bool) throws {
        if json {
            let data = try JSONSerialization.data(withJSONObject: items, options: [.prettyPrinted, .sortedKeys])
            Swift.print(String(decoding: data, as: UTF8.self))
            return
        }
        let rows = items.map { item in columns.map { Self.text(Self.value(item, at: $0)) } }
        let widths = columns.indices.map { index in rows.reduce(columns[index].count) { max($0, $1[index].count) } }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        Swift.print(line(columns.map { $0.uppercased() }))
        for row in rows { Swift.print(line(row)) }
    }

    /// `queue.name` reads the `name` of the object under `queue`.
    static func value(_ item: [String: Any], at column: String) -> Any? {
        var current: Any? = item
        for key in column.split(separator: ".") {
            current = (current as? [String: Any])?[String(key)]
        }
        return current
    }

    /// Prints one object as `key  value` lines (humans) or as JSON (scripts).
    static func printObject(_ object: [String: Any], keys: [String], json: Bool) throws {
        if json {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            Swift.print(String(decoding: data, as: UTF8.self))
            return
        }
        let width = keys.map(\.count).max() ?? 0
        for key in keys {
            Swift.print(
                key.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + Self.text(Self.value(object, at: key)))
        }
    }

    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: ""
        case let string as String: string
        case let strings as [String]: strings.joined(separator: ",")
        case let flag? where type(of: flag) == Bool.self: (flag as? Bool) == true ? "true" : "false"
        // JSON booleans arrive as NSNumbers of type char ("c"); numbers are ints or doubles.
        case let number as NSNumber where String(cString: number.objCType) == "c": number.boolValue ? "true" : "false"
        case let number as NSNumber: "\(number)"
        case let other?:
            (try? JSONSerialization.data(withJSONObject: other, options: [.sortedKeys])).map {
                String(decoding: $0, as: UTF8.self)
            } ?? "\(other)"
        }
    }
}
