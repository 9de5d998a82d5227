import JunctionCore
import JunctionHTTP
import NIOCore

/// SQS access keys. The default user keeps SQS's local-development convention: access key `guest`
/// with secret `guest`, valid while guest's password is still `guest`. Other keys are the users' own
/// (`PUT /api/users/{user}/access-keys`), valid while their user exists. Users with `loopback_only`
/// (guest by default) are refused from other addresses, as for every protocol.
struct SQSAccessKeys: SQSCredentialStore {
    let authenticator: StoredUserAuthenticator
    let accessControl: @Sendable () -> AccessControl
    /// Bound to the engine loop, where SQS requests are checked.
    let store: NIOLoopBoundBox<SQSAccessKeyStore>
    let loopbackOnly: Set<String>
    /// guest's password hash as last seen verifying `guest` (on the engine loop): the check of every request
    /// signed with the guest key compares the stored hash with it instead of hashing the password again
    /// (a salted SHA-256 per request); a changed password is a changed hash and is verified anew.
    let verifiedGuestHash: NIOLoopBoundBox<String?>

    init(
        authenticator: StoredUserAuthenticator, accessControl: @escaping @Sendable () -> AccessControl,
        store: NIOLoopBoundBox<SQSAccessKeyStore>, loopbackOnly: Set<String>
    ) {
        self.authenticator = authenticator
        self.accessControl = accessControl
        self.store = store
        self.loopbackOnly = loopbackOnly
        self.verifiedGuestHash = .makeEmptyBox(valueType: String.self, eventLoop: store.eventLoop)
    }

    func credentials(accessKeyID: String, isLoopback: Bool) -> (user: String, secret: String)? {
        if accessKeyID == "guest" {
            guard isLoopback || !self.loopbackOnly.contains("guest"),
                let hash = self.accessControl().user(named: "guest")?.passwordHash
            else { return nil }
            if hash != self.verifiedGuestHash.value {
                guard
                    self.authenticator.authenticate(username: "guest", password: "guest", isLoopback: isLoopback) != nil
                else { return nil }
                self.verifiedGuestHash.value = hash
            }
            return ("guest", "guest")
        }
        guard let key = self.store.value.credentials(id: accessKeyID),
            self.accessControl().user(named: key.user) != nil,
            isLoopback || !self.loopbackOnly.contains(key.user)
        else { return nil }
        return key
    }
}
