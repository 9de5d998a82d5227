import Crypto

/// Derived SigV4 signing keys, so a connection's requests of one day cost one HMAC each instead of five.
/// Keyed by access key, secret, date, region and service: a changed secret derives a new key. Bounded: it
/// is emptied when it reaches `capacity` entries (a new day or many keys at once). Confined to the engine
/// loop with the listener state that holds it. Each key is kept as an HMAC already keyed with it (a copy
/// signs a request without setting the key up again), and the last scope asked for is compared field by
/// field before the dictionary is hashed: requests come in runs of one key.
final class SQSSigningKeyCache {
    private struct Scope: Hashable {
        var accessKeyID: String
        var secret: String
        var date: String
        var region: String
        var service: String
    }

    private var keys: [Scope: HMAC<SHA256>] = [:]
    private var last: (scope: Scope, mac: HMAC<SHA256>)?
    let capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    var count: Int { self.keys.count }

    /// An HMAC keyed with the signing key of `credential`'s scope under `secret`.
    func mac(for credential: SQSSignatureV4.Credential, secret: String) -> HMAC<SHA256> {
        if let last = self.last, last.scope.accessKeyID == credential.accessKeyID, last.scope.secret == secret,
            last.scope.date == credential.date, last.scope.region == credential.region,
            last.scope.service == credential.service
        {
            return last.mac
        }
        let scope = Scope(
            accessKeyID: credential.accessKeyID, secret: secret, date: credential.date, region: credential.region,
            service: credential.service)
        let mac: HMAC<SHA256>
        if let kept = self.keys[scope] {
            mac = kept
        } else {
            if self.keys.count >= self.capacity { self.keys.removeAll(keepingCapacity: true) }
            mac = HMAC<SHA256>(key: SQSSignatureV4.signingKey(credential, secret: secret))
            self.keys[scope] = mac
        }
        self.last = (scope, mac)
        return mac
    }
}
