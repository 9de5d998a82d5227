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

    func credentials(accessKeyID: String, isLoopback: Bool) -> (user: String, secret: String)? {
        if accessKeyID == "guest" {
            guard self.authenticator.authenticate(username: "guest", password: "guest", isLoopback: isLoopback) != nil
            else { return nil }
            return ("guest", "guest")
        }
        guard let key = self.store.value.credentials(id: accessKeyID),
            self.accessControl().user(named: key.user) != nil,
            isLoopback || !self.loopbackOnly.contains(key.user)
        else { return nil }
        return key
    }
}
