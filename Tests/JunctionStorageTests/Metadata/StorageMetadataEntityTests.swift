import Testing

@testable import JunctionStorage

/// Insert / load / replace / delete of each table on its own.
@Suite struct StorageMetadataEntityTests {
    @Test func virtualHostsAreIdempotentAndDeletable() throws {
        try withStore { store throws in
            try store.addVirtualHost(VirtualHostRecord(name: "/"))
            try store.addVirtualHost(VirtualHostRecord(name: "/"))
            #expect(try store.loadAll().virtualHosts == [VirtualHostRecord(name: "/")])
            #expect(try store.deleteVirtualHost(named: "/"))
            #expect(try !store.deleteVirtualHost(named: "/"))
            #expect(try store.loadAll().virtualHosts.isEmpty)
        }
    }

    @Test func usersRoundTripAndAreReplacedByName() throws {
        try withStore { store throws in
            try store.putUser(UserRecord(name: "bob", passwordHash: "old", tags: ["a,b", "\"quoted\""]))
            #expect(
                try store.loadAll().users == [
                    UserRecord(name: "bob", passwordHash: "old", tags: ["a,b", "\"quoted\""])
                ])
            try store.putUser(UserRecord(name: "bob", passwordHash: "new", tags: ["administrator"]))
            #expect(
                try store.loadAll().users == [UserRecord(name: "bob", passwordHash: "new", tags: ["administrator"])])
            #expect(try store.deleteUser(named: "bob"))
            #expect(try store.loadAll().users.isEmpty)
        }
    }

    @Test func topicPermissionsAreKeyedByExchangeAndGoWithTheirUser() throws {
        try withStore { store throws in
            try store.addVirtualHost(VirtualHostRecord(name: "/"))
            try store.putUser(UserRecord(name: "bob", passwordHash: "h"))
            let missing = TopicPermissionRecord(user: "nobody", virtualHost: "/", exchange: "t", write: "", read: "")
            let error = #expect(throws: MetadataStoreError.self) { try store.setTopicPermission(missing) }
            #expect(error?.kind == .constraintViolation)

            try store.setTopicPermission(
                TopicPermissionRecord(user: "bob", virtualHost: "/", exchange: "t", write: "a", read: "b"))
            try store.setTopicPermission(
                TopicPermissionRecord(user: "bob", virtualHost: "/", exchange: "t", write: "w", read: "r"))
            try store.setTopicPermission(
                TopicPermissionRecord(user: "bob", virtualHost: "/", exchange: "u", write: "", read: ""))
            #expect(
                try store.loadAll().topicPermissions.map { "\($0.exchange):\($0.write):\($0.read)" } == [
                    "t:w:r", "u::",
                ])
            #expect(try store.clearTopicPermission(user: "bob", virtualHost: "/", exchange: "u"))
            #expect(try !store.clearTopicPermission(user: "bob", virtualHost: "/", exchange: "u"))
            #expect(try store.loadAll().topicPermissions.map(\.exchange) == ["t"])
            try store.deleteUser(named: "bob")
            #expect(try store.loadAll().topicPermissions.isEmpty)
        }
    }

    @Test func permissionsNeedTheirUserAndVirtualHostAndGoWithEither() throws {
        try withStore { store throws in
            try store.addVirtualHost(VirtualHostRecord(name: "/"))
            try store.addVirtualHost(VirtualHostRecord(name: "dev"))
            try store.putUser(UserRecord(name: "bob", passwordHash: "h"))
            try store.putUser(UserRecord(name: "eve", passwordHash: "h"))
            let missing = PermissionRecord(user: "nobody", virtualHost: "/", configure: "", write: "", read: "")
            let error = #expect(throws: MetadataStoreError.self) { try store.setPermission(missing) }
            #expect(error?.kind == .constraintViolation)

            try store.setPermission(PermissionRecord(user: "bob", virtualHost: "/", configure: "", write: "", read: ""))
            try store.setPermission(
                PermissionRecord(user: "bob", virtualHost: "/", configure: "c", write: "w", read: "r"))
            try store.setPermission(
                PermissionRecord(user: "bob", virtualHost: "dev", configure: "", write: "", read: ""))
            try store.setPermission(PermissionRecord(user: "eve", virtualHost: "/", configure: "", write: "", read: ""))
            #expect(try store.loadAll().permissions.count == 3)
            #expect(
                try store.loadAll().permissions.first
                    == PermissionRecord(user: "bob", virtualHost: "/", configure: "c", write: "w", read: "r"))

            try store.deleteVirtualHost(named: "dev")
            try store.deleteUser(named: "eve")
            #expect(try store.loadAll().permissions.map { "\($0.user)@\($0.virtualHost)" } == ["bob@/"])
            #expect(try store.clearPermission(user: "bob", virtualHost: "/"))
            #expect(try store.loadAll().permissions.isEmpty)
        }
    }

    @Test func exchangesRoundTripAndRedeclareReplacesProperties() throws {
        try withStore { store throws in
            let first = ExchangeRecord(virtualHost: "/", name: "x", type: "direct", arguments: [])
            try store.declareExchange(first)
            try store.declareExchange(first)
            #expect(try store.loadAll().exchanges == [first])
            let changed = ExchangeRecord(
                virtualHost: "/", name: "x", type: "headers", durable: false, autoDelete: true, internal: true,
                arguments: [0xFF, 0x00]
            )
            try store.declareExchange(changed)
            #expect(try store.loadAll().exchanges == [changed])
            #expect(try store.deleteExchange(virtualHost: "/", name: "x"))
            #expect(try !store.deleteExchange(virtualHost: "/", name: "x"))
            #expect(try store.loadAll().exchanges.isEmpty)
        }
    }

    @Test func sameNamesInTwoVirtualHostsAreDistinct() throws {
        try withStore { store throws in
            try store.declareQueue(QueueRecord(virtualHost: "a", name: "q"))
            try store.declareQueue(QueueRecord(virtualHost: "b", name: "q", kind: .stream))
            try store.deleteQueue(virtualHost: "a", name: "q")
            #expect(try store.loadAll().queues == [QueueRecord(virtualHost: "b", name: "q", kind: .stream)])
        }
    }

    @Test func queuesRoundTripEveryKindAndFlag() throws {
        try withStore { store throws in
            let queues = [
                QueueRecord(
                    virtualHost: "/", name: "a", kind: .classic, durable: false, exclusive: true, autoDelete: false),
                QueueRecord(
                    virtualHost: "/", name: "b", kind: .stream, durable: true, exclusive: false, autoDelete: true,
                    arguments: Array(0...255)),
            ]
            for queue in queues { try store.declareQueue(queue) }
            try store.declareQueue(queues[0])
            #expect(try store.loadAll().queues == queues)
        }
    }

    @Test func policiesRoundTripAndAreReplacedByName() throws {
        try withStore { store throws in
            let policy = PolicyRecord(
                virtualHost: "/", name: "p", pattern: ".*", applyTo: .streams,
                definition: #"{"max-age":"1D"}"#, priority: 7)
            try store.setPolicy(policy)
            var replaced = policy
            replaced.applyTo = .queues
            replaced.priority = 8
            try store.setPolicy(replaced)
            #expect(try store.loadAll().policies == [replaced])
            #expect(try store.clearPolicy(virtualHost: "/", name: "p"))
            #expect(try !store.clearPolicy(virtualHost: "/", name: "p"))
        }
    }

    @Test func everyPolicyTargetRoundTrips() throws {
        try withStore { store throws in
            for (index, target) in PolicyRecord.Target.allCases.enumerated() {
                try store.setPolicy(
                    PolicyRecord(virtualHost: "/", name: "p\(index)", pattern: "", applyTo: target, definition: "{}"))
            }
            #expect(try store.loadAll().policies.map(\.applyTo) == PolicyRecord.Target.allCases)
        }
    }

    @Test func deletingAVirtualHostDeletesEverythingInItOnly() throws {
        try withStore { store throws in
            let snapshot = MetadataFixtures.fullSnapshot()
            try MetadataFixtures.store(snapshot, in: store)
            try store.declareQueue(QueueRecord(virtualHost: "other", name: "kept"))
            try store.deleteVirtualHost(named: "/")
            let left = try store.loadAll()
            #expect(left.virtualHosts == [VirtualHostRecord(name: "staging")])
            #expect(left.users == snapshot.users)
            #expect(left.permissions == snapshot.permissions.filter { $0.virtualHost == "staging" })
            #expect(left.topicPermissions == snapshot.topicPermissions.filter { $0.virtualHost == "staging" })
            #expect(left.exchanges.isEmpty)
            #expect(left.queues == [QueueRecord(virtualHost: "other", name: "kept")])
            #expect(left.bindings.isEmpty)
            #expect(left.policies == snapshot.policies.filter { $0.virtualHost == "staging" })
            #expect(left.consumerOffsets.isEmpty)
            #expect(left.mqttSessions.isEmpty)
            #expect(left.mqttRetainedMessages.isEmpty)
        }
    }

    private func withStore(_ body: (MetadataStore) throws -> Void) throws {
        try MetadataTestDirectory.withDatabasePath { path in try body(try MetadataStore(path: path)) }
    }
}
