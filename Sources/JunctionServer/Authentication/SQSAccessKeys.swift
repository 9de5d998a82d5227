import JunctionCore
import JunctionHTTP

/// SQS access keys. The default user keeps SQS's local-development convention: access key `guest`
/// with secret `guest`, valid while guest's password is still `guest` and, like guest everywhere,
/// only from loopback. Keys of other users come with `PUT /api/users/{user}/access-keys` (not yet:
/// an unknown key is refused with `InvalidClientTokenId`).
struct SQSAccessKeys: SQSCredentialStore {
    let authenticator: StoredUserAuthenticator

    func credentials(accessKeyID: String, isLoopback: Bool) -> (user: String, secret: String)? {
        guard accessKeyID == "guest",
            self.authenticator.authenticate(username: "guest", password: "guest", isLoopback: isLoopback) != nil
        else { return nil }
        return ("guest", "guest")
    }
}
