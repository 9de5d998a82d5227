/// A stored value that does not fit its record field. Thrown while reading rows and turned into
/// `MetadataStoreError.Kind.corruptRecord` at the store's boundary.
struct MetadataDecodingError: Error, CustomStringConvertible {
    var table: String
    var column: String
    var value: String

    var description: String {
        "\(table).\(column) holds \(value)"
    }
}
