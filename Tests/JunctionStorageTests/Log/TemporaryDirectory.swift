import Foundation

/// A fresh directory under the system temp directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() {
        self.path = NSTemporaryDirectory() + "junction-storage-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }

    /// The path of `name` inside the directory.
    func file(_ name: String) -> String { self.path + "/" + name }

    func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: self.path)) ?? []).sorted()
    }

    func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: self.file(name))))
    }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: self.file(name)))
    }
}

/// Removes a file, failing the test if it cannot.
func FileManagerRemove(_ path: String) throws {
    try FileManager.default.removeItem(atPath: path)
}
