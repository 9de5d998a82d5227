import Foundation

/// Prints rows as an aligned table (humans) or the API's JSON (scripts).
enum TableFormatter {
    static func print(_ items: [[String: Any]], columns: [String], json: Bool) throws {
        if json {
            let data = try JSONSerialization.data(withJSONObject: items, options: [.prettyPrinted, .sortedKeys])
            Swift.print(String(decoding: data, as: UTF8.self))
            return
        }
        let rows = items.map { item in columns.map { Self.text(item[$0]) } }
        let widths = columns.indices.map { index in rows.reduce(columns[index].count) { max($0, $1[index].count) } }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        Swift.print(line(columns.map { $0.uppercased() }))
        for row in rows { Swift.print(line(row)) }
    }

    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: ""
        case let string as String: string
        case let number as NSNumber: "\(number)"
        case let other?:
            (try? JSONSerialization.data(withJSONObject: other, options: [.sortedKeys])).map {
                String(decoding: $0, as: UTF8.self)
            } ?? "\(other)"
        }
    }
}
