import Foundation

/// The `users.tags` column: the tag list as a JSON array of strings.
enum UserTags {
    static func encode(_ tags: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(tags), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> [String] {
        do {
            return try JSONDecoder().decode([String].self, from: Data(text.utf8))
        } catch {
            throw MetadataDecodingError(table: "users", column: "tags", value: text)
        }
    }
}
