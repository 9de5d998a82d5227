import JunctionCore
import JunctionServer
import Testing

@Suite("Server certificate logins")
struct ServerCertificateAuthenticatorTests {
    private let authenticator = ConfiguredAuthenticator(users: [
        .guest,
        UserConfiguration(name: "device-7", password: "", tags: ["sensor"]),
        UserConfiguration(name: "alice", password: "wonderland"),
    ])

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
