import Foundation
import GRDB
import JunctionCore
import JunctionMQTT
import JunctionStorage
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import JunctionServer

/// MQTT session writes staged by many connections go to SQLite in one transaction on the I/O
/// thread: `load` sees them at once, completions come back on the engine loop (never inside
/// `stage`), and a write SQLite refuses fails only its own client (its savepoint), whose staged
/// state is forgotten; the others are stored.
@Suite struct MQTTSessionGroupCommitTests {
    struct Outcome: Sendable {
        var completedInsideStage = false
        var seenBeforeCommit: [String] = []
        var failed: Set<String> = []
        var succeeded: Set<String> = []
        var storedAfter: [String] = []
    }

    /// Writes for client "refused" abort, as a full disk or a broken constraint would.
    static func injectFailure(_ path: String) throws {
        let database = try DatabaseQueue(path: path)
        try database.write { db in
            try db.execute(
                sql: "CREATE TRIGGER refuse BEFORE INSERT ON mqtt_sessions WHEN NEW.client_id = 'refused' "
                    + "BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
        }
        try database.close()
    }

    @Test func stagedWritesCommitTogetherAndAFailureStaysWithItsClient() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("junction-mqtt-commit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let loop = group.next()
        let promise = loop.makePromise(of: Outcome.self)
        try MetadataStore(path: directory + "/metadata.sqlite").close()
        try Self.injectFailure(directory + "/metadata.sqlite")
        try await loop.submit {
            let metadata = try MetadataStore(path: directory + "/metadata.sqlite")
            let store = MQTTMetadataSessionStore(
                metadata: metadata, ioThread: IOThread(pool: pool, loop: loop), virtualHost: "/",
                clock: SystemBrokerClock(), logger: Logger(label: "test"))
            var outcome = Outcome()
            var waiting = 4
            let done: (String, (any Error)?) -> Void = { name, error in
                if error == nil { outcome.succeeded.insert(name) } else { outcome.failed.insert(name) }
                waiting -= 1
                guard waiting == 0 else { return }
                outcome.storedAfter = ["a", "b", "refused"].filter { (try? store.load(clientID: $0)) != nil }
                try? metadata.close()
                promise.succeed(outcome)
            }
            store.stage(.save(.init(clientID: "a", expiryInterval: 60))) { done("a", $0) }
            store.stage(.save(.init(clientID: "b", expiryInterval: 60))) { done("b", $0) }
            store.stage(.save(.init(clientID: "refused", expiryInterval: 60))) { done("refused", $0) }
            store.stage(.inFlight(clientID: "a", inboundAwaitingRelease: [7], awaitingCompletion: [])) {
                done("a-ids", $0)
            }
            outcome.completedInsideStage = waiting != 4
            outcome.seenBeforeCommit = ["a", "b", "refused"].filter { (try? store.load(clientID: $0)) != nil }
        }.get()
        let outcome = try await promise.futureResult.get()
        #expect(!outcome.completedInsideStage, "completions come from the group commit")
        #expect(outcome.seenBeforeCommit == ["a", "b", "refused"])
        #expect(outcome.succeeded == ["a", "b", "a-ids"])
        #expect(outcome.failed == ["refused"])
        #expect(outcome.storedAfter == ["a", "b"])

        // What reached the file: both sessions, "a" with its QoS 2 id merged into the same commit.
        let reopened = try MetadataStore(path: directory + "/metadata.sqlite")
        let stored = try reopened.loadAll().mqttSessions.sorted { $0.clientID < $1.clientID }
        #expect(stored.map(\.clientID) == ["a", "b"])
        #expect(stored.first?.inboundAwaitingRelease == [7])
        try reopened.close()
        try await pool.shutdownGracefully()
        try await group.shutdownGracefully()
    }
}
