import Crypto

/// Derived SigV4 signing keys, so a connection's requests of one day cost one HMAC each instead of five.
/// Keyed by access key, secret, date, region and service: a changed secret derives a new key. Bounded: it
/// is emptied when it reaches `capacity` entries (a new day or many keys at once). Confined to the engine
/// loop with the listener state that holds it. Each key is kept as its HMAC pads (`SQSSigningKey`), and
/// the last scope asked for is compared field by field before the dictionary is hashed: requests come in
/// runs of one key.
final class SQSSigningKeyCache {
    private struct Scope: Hashable {
        var accessKeyID: String
        var secret: String
        var date: String
        var region: String
        var service: String
    }

    private var keys: [Scope: SQSSigningKey] = [:]
    private var last: (scope: Scope, key: SQSSigningKey)?
    let capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    var count: Int { self.keys.count }

    /// The signing key of `credential`'s scope under `secret`.
    func key(for credential: SQSSignatureV4.Credential, secret: String) -> SQSSigningKey {
        if let last = self.last, last.scope.accessKeyID == credential.accessKeyID, last.scope.secret == secret,
            last.scope.date == credential.date, last.scope.region == credential.region,
            last.scope.service == credential.service
        {
            return last.key
        }
        let scope = Scope(
            accessKeyID: credential.accessKeyID, secret: secret, date: credential.date, region: credential.region,
            service: credential.service)
        let key: SQSSigningKey
        if let kept = self.keys[scope] {
            key = kept
        } else {
            if self.keys.count >= self.capacity { self.keys.removeAll(keepingCapacity: true) }
            key = SQSSigningKey(SQSSignatureV4.signingKey(credential, secret: secret))
            self.keys[scope] = key
        }
        self.last = (scope, key)
        return key
    }
}

/// A SigV4 signing key as HMAC-SHA256 (RFC 2104) uses it: the key padded to SHA-256's 64-byte block and
/// XOR-ed with the inner and outer constants, made once. Signing a request is then two SHA-256s. CryptoKit's
/// `HMAC` kept ready and copied per request cost more: the copy shares the inner hash's context, so the
/// first update copies it, and `finalize` hashes the outer key again through generic `DataProtocol` code.
struct SQSSigningKey {
    private let innerPad: [UInt8]
    private let outerPad: [UInt8]

    init(_ key: SymmetricKey) {
        // A key longer than the block is hashed first (signing keys are 32 bytes, but HMAC allows any).
        var block = key.withUnsafeBytes { $0.count > 64 ? Array(SHA256.hash(data: $0)) : Array($0) }
        block += [UInt8](repeating: 0, count: 64 - block.count)
        self.innerPad = block.map { $0 ^ 0x36 }
        self.outerPad = block.map { $0 ^ 0x5c }
    }

    /// HMAC-SHA256 of `message` under this key.
    func authenticationCode(for message: [UInt8]) -> SHA256Digest {
        var inner = SHA256()
        self.innerPad.withUnsafeBytes { inner.update(bufferPointer: $0) }
        message.withUnsafeBytes { inner.update(bufferPointer: $0) }
        var outer = SHA256()
        self.outerPad.withUnsafeBytes { outer.update(bufferPointer: $0) }
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize()
    }
}
