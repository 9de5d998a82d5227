import JunctionCore
import JunctionCoreTestSupport
import JunctionServer
import Logging
import Testing

/// Logins against the stored users, bootstrapped from configured accounts as the server does.
@Suite("Server stored-user authenticator")
struct ServerStoredUserAuthenticatorTests {
    private let authenticator: StoredUserAuthenticator

    init() throws {
        let broker = Broker(logger: Logger(label: "auth-tests"))
        for user in [
            UserConfiguration.guest,
            UserConfiguration(name: "device-7", password: "", tags: ["sensor"]),
            UserConfiguration(name: "alice", password: "wonderland", tags: ["monitoring"]),
        ] {
            try broker.bootstrapUser(name: user.name, password: user.password, tags: user.tags.sorted())
        }
        nonisolated(unsafe) let control = broker.accessControl
        self.authenticator = StoredUserAuthenticator(accessControl: { control }, loopbackOnly: ["guest"])
    }

    @Test func guestLogsInFromLoopbackOnly() {
        #expect(
            self.authenticator.authenticate(username: "guest", password: "guest", isLoopback: true)
                == AuthenticatedUser(name: "guest", virtualHosts: nil, tags: ["administrator"]))
        #expect(self.authenticator.authenticate(username: "guest", password: "guest", isLoopback: false) == nil)
    }

    @Test func ordinaryUserLogsInFromAnywhere() {
        let expected = AuthenticatedUser(name: "alice", virtualHosts: nil, tags: ["monitoring"])
        #expect(
            self.authenticator.authenticate(username: "alice", password: "wonderland", isLoopback: false) == expected)
    }

    @Test(arguments: [
        ("guest", "Guest"), ("guest", "guest "), ("guest", ""), ("alice", "guest"), ("mallory", "guest"), ("", ""),
        ("Alice", "wonderland"),
    ])
    func wrongCredentialsAreRefused(username: String, password: String) {
        #expect(self.authenticator.authenticate(username: username, password: password, isLoopback: true) == nil)
    }

    @Test func certificateNamingAUserLogsInWithoutPassword() {
        #expect(
            self.authenticator.authenticate(certificateName: "device-7", isLoopback: false)
                == AuthenticatedUser(name: "device-7", tags: ["sensor"]))
        #expect(self.authenticator.authenticate(certificateName: "alice", isLoopback: false)?.name == "alice")
    }

    @Test func certificateNamingNoUserIsRefused() {
        #expect(self.authenticator.authenticate(certificateName: "mallory", isLoopback: true) == nil)
        #expect(self.authenticator.authenticate(certificateName: "", isLoopback: true) == nil)
        #expect(self.authenticator.authenticate(certificateName: "Device-7", isLoopback: true) == nil)
    }

    @Test func loopbackRuleHoldsForCertificates() {
        #expect(self.authenticator.authenticate(certificateName: "guest", isLoopback: false) == nil)
        #expect(self.authenticator.authenticate(certificateName: "guest", isLoopback: true)?.name == "guest")
    }

    @Test func userWithEmptyPasswordHasNoPasswordLogin() {
        #expect(self.authenticator.authenticate(username: "device-7", password: "", isLoopback: true) == nil)
        #expect(self.authenticator.authenticate(username: "device-7", password: "x", isLoopback: true) == nil)
    }
}
