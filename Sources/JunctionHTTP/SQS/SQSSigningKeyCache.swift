import Crypto

/// Derived SigV4 signing keys, so a connection's requests of one day cost one HMAC each instead of five.
/// Keyed by access key, secret, date, region and service: a changed secret derives a new key. Bounded: it
/// is emptied when it reaches `capacity` entries (a new day or many keys at once). Confined to the engine
/// loop with the listener state that holds it.
final class SQSSigningKeyCache {
    private struct Scope: Hashable {
        var accessKeyID: String
        var secret: String
        var date: String
        var region: String
        var service: String
    }

    private var keys: [Scope: SymmetricKey] = [:]
    let capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    var count: Int { self.keys.count }

    func key(for credential: SQSSignatureV4.Credential, secret: String) -> SymmetricKey {
        let scope = Scope(
            accessKeyID: credential.accessKeyID, secret: secret, date: credential.date, region: credential.region,
            service: credential.service)
        if let key = self.keys[scope] { return key }
        if self.keys.count >= self.capacity { self.keys.removeAll(keepingCapacity: true) }
        let key = SQSSignatureV4.signingKey(credential, secret: secret)
        self.keys[scope] = key
        return key
    }
}
