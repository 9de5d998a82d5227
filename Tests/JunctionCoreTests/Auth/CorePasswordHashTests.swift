import JunctionCore
import JunctionCoreTestSupport
import Testing

/// RabbitMQ's `rabbit_password_hashing_sha256`. The expected hashes were computed outside Swift,
/// with Python's hashlib: base64(salt + sha256(salt + password)); the first is the example of
/// RabbitMQ's passwords guide.
@Suite struct CorePasswordHashTests {
    @Test(arguments: [
        ([0x90, 0x8D, 0xC6, 0x0A] as [UInt8], "test12", "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR"),
        ([0, 0, 0, 0] as [UInt8], "", "AAAAAN8/YZgEqS/bQFcZLcQ910jqd4rcUrxJjOgFJMAUuBEZ"),
        ([0xFF, 1, 2, 3] as [UInt8], "pässwörd", "/wECA/gRs+caRxI9ftOvcxzGVh3ZkMih/+cw0vyggh5Sn5ew"),
    ])
    func matchesRabbitMQVectors(salt: [UInt8], password: String, expected: String) {
        #expect(PasswordHash.make(password: password, salt: salt) == expected)
        #expect(PasswordHash.verify(password: password, hash: expected))
        #expect(!PasswordHash.verify(password: password + "x", hash: expected))
    }

    @Test func freshHashesAreSaltedAndVerify() {
        let first = PasswordHash.make(password: "secret")
        let second = PasswordHash.make(password: "secret")
        #expect(first != second)
        #expect(PasswordHash.verify(password: "secret", hash: first))
        #expect(PasswordHash.verify(password: "secret", hash: second))
        #expect(!PasswordHash.verify(password: "Secret", hash: first))
    }

    @Test(arguments: ["", "not base64!", "AAAA", "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV"])
    func malformedOrEmptyHashesMatchNothing(hash: String) {
        #expect(!PasswordHash.verify(password: "", hash: hash))
        #expect(!PasswordHash.verify(password: "test12", hash: hash))
        #expect(PasswordHash.isWellFormed(hash) == hash.isEmpty)
    }
}
