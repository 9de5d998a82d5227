import Foundation
import Testing

@testable import JunctionStorage

@Suite struct StorageMetadataStoreTests {
    private struct InjectedFailure: Error {}

    @Test func migratesAnEmptyFile() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            let store = try MetadataStore(path: path)
            #expect(
                try store.appliedMigrations() == [
                    "v1", "v2", "mqtt_session_owner", "topic_permissions", "operator_policies",
                    "queue_delivery_delay",
                ])
            #expect(try store.loadAll() == MetadataSnapshot())
        }
    }

    @Test func createsAMissingFileAndMigratesOnlyOnce() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            try MetadataStore(path: path).addVirtualHost(VirtualHostRecord(name: "/"))
            let reopened = try MetadataStore(path: path)
            #expect(
                try reopened.appliedMigrations() == [
                    "v1", "v2", "mqtt_session_owner", "topic_permissions", "operator_policies",
                    "queue_delivery_delay",
                ])
            #expect(try reopened.loadAll().virtualHosts == [VirtualHostRecord(name: "/")])
        }
    }

    @Test func usesWALWithFullSynchronousAndForeignKeys() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            let store = try MetadataStore(path: path)
            #expect(try store.pragma("journal_mode") == "wal")
            #expect(try store.pragma("synchronous") == "2")  // FULL
            #expect(try store.pragma("foreign_keys") == "1")
        }
    }

    @Test func openingInAMissingDirectoryThrowsOpenError() throws {
        try MetadataTestDirectory.with { directory in
            let path = directory + "/missing/metadata.sqlite"
            let error = #expect(throws: MetadataStoreError.self) { try MetadataStore(path: path) }
            #expect(error?.kind == .open)
            #expect(error?.path == path)
        }
    }

    @Test func openingAFileThatIsNotADatabaseThrows() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            let garbage = Data(repeating: 0x5A, count: 4096)
            #expect(FileManager.default.createFile(atPath: path, contents: garbage))
            #expect(throws: MetadataStoreError.self) { try MetadataStore(path: path) }
        }
    }

    @Test func everythingWrittenSurvivesReopening() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            let snapshot = MetadataFixtures.fullSnapshot()
            do {
                let store = try MetadataStore(path: path)
                try MetadataFixtures.store(snapshot, in: store)
                #expect(try store.loadAll() == snapshot)
                try store.close()
            }
            #expect(try MetadataStore(path: path).loadAll() == snapshot)
        }
    }

    @Test func writesSurviveAStoreDroppedWithoutClosing() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            do {
                let store = try MetadataStore(path: path)
                try store.declareQueue(QueueRecord(virtualHost: "/", name: "orders"))
            }
            #expect(try MetadataStore(path: path).loadAll().queues.map(\.name) == ["orders"])
        }
    }

    @Test func aThrowInsideWriteLeavesNothingBehindAfterReopening() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            do {
                let store = try MetadataStore(path: path)
                try store.addVirtualHost(VirtualHostRecord(name: "/"))
                #expect(throws: InjectedFailure.self) {
                    try store.write { transaction in
                        try transaction.declareExchange(ExchangeRecord(virtualHost: "/", name: "logs", type: "topic"))
                        try transaction.declareQueue(
                            QueueRecord(virtualHost: "/", name: "audit"),
                            bindings: [
                                BindingRecord(virtualHost: "/", source: "logs", destination: "audit", routingKey: "#")
                            ]
                        )
                        try transaction.commitConsumerOffset(
                            ConsumerOffsetRecord(
                                virtualHost: "/", stream: "audit", group: "g", offset: 9, updatedAtMilliseconds: 1)
                        )
                        throw InjectedFailure()
                    }
                }
                #expect(try store.loadAll() == MetadataSnapshot(virtualHosts: [VirtualHostRecord(name: "/")]))
                try store.close()
            }
            let reopened = try MetadataStore(path: path)
            #expect(try reopened.loadAll() == MetadataSnapshot(virtualHosts: [VirtualHostRecord(name: "/")]))
        }
    }

    @Test func aConstraintFailureMidTransactionRollsBackEarlierStatements() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            do {
                let store = try MetadataStore(path: path)
                let error = #expect(throws: MetadataStoreError.self) {
                    try store.write { transaction in
                        try transaction.declareQueue(QueueRecord(virtualHost: "/", name: "q"))
                        // No such user or virtual host: the foreign keys refuse it.
                        try transaction.setPermission(
                            PermissionRecord(user: "ghost", virtualHost: "/", configure: ".*", write: ".*", read: ".*")
                        )
                    }
                }
                #expect(error?.kind == .constraintViolation)
            }
            #expect(try MetadataStore(path: path).loadAll() == MetadataSnapshot())
        }
    }

    @Test func writeReturnsTheBodysValue() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            let store = try MetadataStore(path: path)
            let added = try store.write { transaction in
                try transaction.addBinding(
                    BindingRecord(virtualHost: "/", source: "x", destination: "q", routingKey: "k"))
            }
            #expect(added)
        }
    }

    @Test func callsAfterCloseThrow() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            let store = try MetadataStore(path: path)
            try store.close()
            try store.close()
            let readError = #expect(throws: MetadataStoreError.self) { try store.loadAll() }
            #expect(readError?.kind == .closed)
            let writeError = #expect(throws: MetadataStoreError.self) {
                try store.addVirtualHost(VirtualHostRecord(name: "/"))
            }
            #expect(writeError?.kind == .closed)
        }
    }

    @Test func aDamagedRowIsReportedAsCorruptRecord() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            let store = try MetadataStore(path: path)
            try store.putUser(UserRecord(name: "guest", passwordHash: "h"))
            try store.write { transaction in
                try transaction.execute("UPDATE users SET tags = 'not json'")
            }
            let error = #expect(throws: MetadataStoreError.self) { try store.loadAll() }
            #expect(error?.kind == .corruptRecord)
        }
    }
}
