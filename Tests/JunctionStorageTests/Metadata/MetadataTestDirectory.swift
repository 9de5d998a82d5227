import Foundation

/// A fresh temporary directory for one test, removed when the test's body returns.
enum MetadataTestDirectory {
    static func with<T>(_ body: (_ directory: String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("junction-metadata-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    /// Runs `body` with the path of a database file in a fresh directory.
    static func withDatabasePath<T>(_ body: (_ path: String) throws -> T) throws -> T {
        try with { directory in try body(directory + "/metadata.sqlite") }
    }
}
