import JunctionCore
import JunctionModel
import Testing

/// `QueueArgumentTable`: unknown `x-` arguments are refused by name, harmless ones accepted.
@Suite struct CoreQueueArgumentTableTests {
    @Test func anUnknownXArgumentIsRefusedNamingIt() {
        let fixture = CoreFixture()
        #expect(
            throws: BrokerError.preconditionFailed("invalid arg 'x-made-up' for queue 'q': not supported by Junction")
        ) {
            try fixture.declareQueue("q", arguments: ["x-message-ttl": .int32(5), "x-made-up": .int32(1)])
        }
        #expect(fixture.vhost.queue(named: "q") == nil)
    }

    @Test(arguments: [
        "x-queue-mode", "x-queue-master-locator", "x-queue-leader-locator", "x-quorum-initial-group-size",
        "x-quorum-target-group-size", "x-dead-letter-strategy", "x-max-in-memory-length", "x-max-in-memory-bytes",
        "x-queue-version",
    ])
    func harmlessArgumentsAreAcceptedAndIgnored(_ name: String) throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: [name: .string("lazy")])
        // Ignored: a redeclaration without it is equivalent.
        try fixture.declareQueue("q")
    }

    @Test func anArgumentOfAnotherQueueTypeIsRefused() {
        let fixture = CoreFixture()
        #expect(
            throws: BrokerError.preconditionFailed(
                "invalid arg 'x-max-age' for queue 'q': not supported by classic queues")
        ) {
            try fixture.declareQueue("q", arguments: ["x-max-age": .string("1D")])
        }
        #expect(throws: BrokerError.self) {
            try fixture.declareQueue(
                "s", durable: true, arguments: ["x-queue-type": .string("stream"), "x-expires": .int32(1000)])
        }
    }

    @Test func argumentsWithoutThePrefixAreStoredAndIgnored() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: ["tenant": .string("acme")])
        #expect(fixture.vhost.queue(named: "q")?.arguments["tenant"] == .string("acme"))
        #expect(QueueArgumentTable.knows("x-message-ttl") && !QueueArgumentTable.knows("x-made-up"))
    }
}
