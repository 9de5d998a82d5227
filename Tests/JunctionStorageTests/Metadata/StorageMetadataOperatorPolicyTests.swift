import GRDB
import Testing

@testable import JunctionStorage

/// Migration `operator_policies`: operator policies beside user policies, and `quorum_queues`.
@Suite struct StorageMetadataOperatorPolicyTests {
    @Test func userAndOperatorPoliciesHaveTheirOwnNames() throws {
        try MetadataTestDirectory.withDatabasePath { path throws in
            let store = try MetadataStore(path: path)
            let user = PolicyRecord(
                virtualHost: "/", name: "p", pattern: ".*", applyTo: .quorumQueues, definition: #"{"max-length":5}"#)
            var capped = user
            capped.kind = .operatorPolicy
            capped.definition = #"{"max-length":1}"#
            try store.setPolicy(user)
            try store.setPolicy(capped)
            #expect(try store.loadAll().policies == [user, capped])
            #expect(try store.clearPolicy(virtualHost: "/", name: "p", kind: .operatorPolicy))
            #expect(try MetadataStore(path: path).loadAll().policies == [user])
        }
    }

    @Test func policiesStoredBeforeTheMigrationBecomeUserPolicies() throws {
        try MetadataTestDirectory.withDatabasePath { path throws in
            do {
                let queue = try DatabaseQueue(path: path)
                try MetadataSchema.migrator.migrate(queue, upTo: "topic_permissions")
                try queue.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO policies (virtual_host, name, pattern, apply_to, definition, priority)
                            VALUES ('/', 'old', '^a', 'queues', '{"message-ttl":5}', 3)
                            """)
                }
            }
            let expected = PolicyRecord(
                virtualHost: "/", name: "old", pattern: "^a", applyTo: .queues, definition: #"{"message-ttl":5}"#,
                priority: 3)
            #expect(try MetadataStore(path: path).loadAll().policies == [expected])
        }
    }
}
