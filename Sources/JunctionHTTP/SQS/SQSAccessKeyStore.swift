import Foundation
import JunctionCore
import NIOHTTP1

/// SQS access keys of users: a key id and a secret each, created through the management API
/// (`PUT /api/users/{user}/access-keys`, the secret shown once). SigV4 needs the secret itself to
/// recompute a signature, so it is stored as issued, in a file of the data directory readable by the
/// broker's user only. A key of a deleted user is refused at use. Confined to the engine loop: the
/// server holds it in a `NIOLoopBoundBox` bound to that loop, which the HTTP API (creating keys) and the
/// SQS listener (checking them) share.
public final class SQSAccessKeyStore {
    struct Key: Codable, Equatable {
        var id: String
        var user: String
        var secret: String
        var createdAt: Int64
    }

    private var keys: [String: Key] = [:]
    private let path: String?

    /// Keys of one user at most (AWS allows two; rotation needs more than one at a time).
    static let maximumPerUser = 10

    public init(path: String?) {
        self.path = path
        guard let path, let data = FileManager.default.contents(atPath: path),
            let stored = try? JSONDecoder().decode([Key].self, from: data)
        else { return }
        for key in stored { self.keys[key.id] = key }
    }

    func key(id: String) -> Key? { self.keys[id] }

    /// The user and secret of key `id`, for the server's SQS credential check.
    public func credentials(id: String) -> (user: String, secret: String)? {
        self.keys[id].map { ($0.user, $0.secret) }
    }

    func keys(of user: String) -> [Key] { self.keys.values.filter { $0.user == user }.sorted { $0.id < $1.id } }

    /// A new key for `user`: an AWS-shaped id (20 upper-case characters) and a 40-character secret.
    func create(for user: String, now: Int64) throws(HTTPAPIError) -> Key {
        guard self.keys(of: user).count < Self.maximumPerUser else {
            throw .badRequest("user '\(user)' already has \(Self.maximumPerUser) access keys")
        }
        let idAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var generator = SystemRandomNumberGenerator()
        var id = ""
        repeat {
            id = "AKJN" + String((0..<16).map { _ in idAlphabet.randomElement(using: &generator)! })
        } while self.keys[id] != nil
        let secret = String((0..<40).map { _ in secretAlphabet.randomElement(using: &generator)! })
        let key = Key(id: id, user: user, secret: secret, createdAt: now)
        self.keys[id] = key
        do {
            try self.save()
        } catch {
            self.keys[id] = nil
            throw HTTPAPIError(
                status: .internalServerError, error: "internal_error", reason: "cannot store the key: \(error)")
        }
        return key
    }

    func delete(id: String, of user: String) throws(HTTPAPIError) -> Bool {
        guard let key = self.keys[id], key.user == user else { return false }
        self.keys[id] = nil
        do {
            try self.save()
        } catch {
            self.keys[id] = key
            throw HTTPAPIError(
                status: .internalServerError, error: "internal_error", reason: "cannot store the keys: \(error)")
        }
        return true
    }

    private func save() throws {
        guard let path else { return }
        let data = try JSONEncoder().encode(self.keys.values.sorted { $0.id < $1.id })
        // Created readable by the broker's user only, then renamed over the old file in one step.
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown) }
        guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}

@available(*, unavailable)
extension SQSAccessKeyStore: Sendable {}
