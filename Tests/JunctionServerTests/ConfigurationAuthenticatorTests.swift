import JunctionCore
import JunctionServer
import Testing

@Suite("Server configured authenticator")
struct ServerConfiguredAuthenticatorTests {
    private let authenticator = ConfiguredAuthenticator(users: [
        .guest,
        UserConfiguration(name: "alice", password: "wonderland", tags: ["monitoring"], loopbackOnly: false),
    ])

    @Test func guestLogsInFromLoopback() {
        #expect(
            self.authenticator.authenticate(username: "guest", password: "guest", isLoopback: true)
                == AuthenticatedUser(name: "guest", virtualHosts: nil, tags: ["administrator"])
        )
    }

    @Test func loopbackOnlyUserIsRefusedFromRemotePeer() {
        #expect(self.authenticator.authenticate(username: "guest", password: "guest", isLoopback: false) == nil)
    }

    @Test func ordinaryUserLogsInFromAnywhere() {
        let expected = AuthenticatedUser(name: "alice", virtualHosts: nil, tags: ["monitoring"])
        #expect(
            self.authenticator.authenticate(username: "alice", password: "wonderland", isLoopback: false) == expected)
        #expect(
            self.authenticator.authenticate(username: "alice", password: "wonderland", isLoopback: true) == expected)
    }

    @Test(arguments: [
        ("guest", "Guest"),
        ("guest", "guest "),
        ("guest", "gues"),
        ("guest", ""),
        ("alice", "guest"),
        ("mallory", "guest"),
        ("", ""),
        ("Alice", "wonderland"),
    ])
    func wrongCredentialsAreRefused(username: String, password: String) {
        #expect(self.authenticator.authenticate(username: username, password: password, isLoopback: true) == nil)
    }

    @Test func usesTheUsersOfAConfiguration() {
        var configuration = JunctionConfiguration()
        configuration.users = [UserConfiguration(name: "bob", password: "builder")]
        let authenticator = ConfiguredAuthenticator(configuration: configuration)
        #expect(authenticator.authenticate(username: "bob", password: "builder", isLoopback: false)?.name == "bob")
        #expect(authenticator.authenticate(username: "guest", password: "guest", isLoopback: true) == nil)
    }
}
