import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionMQTT
import JunctionMQTTCodec
import JunctionStorage
import Logging
import Testing

@testable import JunctionServer

/// A metadata store that fails under the MQTT session store: every failure reaches the caller
/// (which refuses the client's request), and the session store keeps showing what was stored.
@Suite struct MQTTMetadataSessionStoreFailureTests {
    let directory: String
    let metadata: MetadataStore
    let sessions: MQTTMetadataSessionStore

    init() throws {
        self.directory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("junction-mqtt-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        self.metadata = try MetadataStore(path: self.directory + "/metadata.sqlite")
        self.sessions = MQTTMetadataSessionStore(
            metadata: self.metadata, virtualHost: "/", clock: SystemBrokerClock(), logger: Logger(label: "test"))
    }

    private func record(_ filters: [String]) -> JunctionMQTT.MQTTSessionRecord {
        var subscriptions: [String: MQTTSessionSubscription] = [:]
        for filter in filters {
            subscriptions[filter] = MQTTSessionSubscription(
                subscription: MQTTSubscription(filter: filter, qos: .atLeastOnce), identifier: nil)
        }
        return JunctionMQTT.MQTTSessionRecord(clientID: "c", subscriptions: subscriptions, expiryInterval: 600)
    }

    @Test func writesThatFailThrowAndChangeNothing() throws {
        try self.sessions.save(self.record(["a/#"]))
        // The injected failure: the SQLite file is closed under the session store.
        try self.metadata.close()
        #expect(throws: (any Error).self) { try self.sessions.save(self.record(["a/#", "b/#"])) }
        #expect(throws: (any Error).self) {
            try self.sessions.saveInFlight(clientID: "c", inboundAwaitingRelease: [7], awaitingCompletion: [])
        }
        #expect(throws: (any Error).self) { try self.sessions.remove(clientID: "c") }
        // What the store holds, not what the failed writes asked for.
        let kept = try #require(try self.sessions.load(clientID: "c"))
        #expect(kept.subscriptions.keys.sorted() == ["a/#"])
        #expect(kept.inboundAwaitingRelease.isEmpty)
        #expect(throws: (any Error).self) { try self.sessions.load(clientID: "other") }
    }
}
