public import JunctionCore

/// Checks logins against the users of the configuration.
public struct ConfiguredAuthenticator: Authenticator {
    private let users: [String: UserConfiguration]

    public init(users: [UserConfiguration]) {
        self.users = Dictionary(users.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public init(configuration: JunctionConfiguration) {
        self.init(users: configuration.users)
    }

    public func authenticate(username: String, password: String, isLoopback: Bool) -> AuthenticatedUser? {
        guard let user = self.users[username] else {
            // Spend the same work on an unknown name as on a wrong password.
            _ = Self.constantTimeEquals(password, password)
            return nil
        }
        let passwordMatches = Self.constantTimeEquals(password, user.password)
        // A user without a password logs in only with a client certificate.
        guard passwordMatches, !user.password.isEmpty, !user.loopbackOnly || isLoopback else {
            return nil
        }
        return AuthenticatedUser(name: user.name, virtualHosts: nil, tags: user.tags)
    }

    public func authenticate(certificateName: String, isLoopback: Bool) -> AuthenticatedUser? {
        guard let user = self.users[certificateName], !user.loopbackOnly || isLoopback else { return nil }
        return AuthenticatedUser(name: user.name, virtualHosts: nil, tags: user.tags)
    }

    /// Compares the UTF-8 bytes of both strings in time that depends only on their lengths.
    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        var difference: UInt8 = left.count == right.count ? 0 : 1
        let length = max(left.count, right.count)
        for index in 0..<length {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            difference |= a ^ b
        }
        return difference == 0
    }
}
