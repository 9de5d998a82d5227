import Crypto
import JunctionModel

/// RabbitMQ's `rabbit_password_hashing_sha256`: base64 of a 4-byte random salt followed by
/// SHA-256(salt ‖ UTF-8 password). Definitions exported from RabbitMQ carry this form, so their
/// users log in here unchanged. An empty hash matches no password (a user who may log in only
/// with a client certificate).
public enum PasswordHash {
    /// The `hashing_algorithm` value of definitions files.
    public static let algorithm = "rabbit_password_hashing_sha256"

    /// A new salted hash of `password`.
    public static func make(password: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<4).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Self.make(password: password, salt: salt)
    }

    /// The hash of `password` with a given salt (what `make` does with a random one).
    public static func make(password: String, salt: [UInt8]) -> String {
        var input = salt
        input.append(contentsOf: password.utf8)
        return Base64.encode(salt + Array(SHA256.hash(data: input)))
    }

    /// Whether `password` matches `hash`, in time that does not depend on where they differ.
    /// A hash that is empty, not base64, or not salt + 32 bytes matches nothing.
    public static func verify(password: String, hash: String) -> Bool {
        guard let decoded = Base64.decode(hash), decoded.count == 4 + SHA256.byteCount else {
            return false
        }
        let salt = Array(decoded.prefix(4))
        var input = salt
        input.append(contentsOf: password.utf8)
        let digest = Array(SHA256.hash(data: input))
        var difference: UInt8 = 0
        for (a, b) in zip(digest, decoded.dropFirst(4)) {
            difference |= a ^ b
        }
        return difference == 0
    }

    /// Whether `hash` has the form `verify` accepts (base64 of 4 + 32 bytes), or is empty
    /// (certificate-only user).
    public static func isWellFormed(_ hash: String) -> Bool {
        hash.isEmpty || Base64.decode(hash)?.count == 4 + SHA256.byteCount
    }
}
