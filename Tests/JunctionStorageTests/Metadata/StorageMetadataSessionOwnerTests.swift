import Testing

@testable import JunctionStorage

/// Migration `mqtt_session_owner`: the user who created an MQTT session, kept across restarts.
@Suite struct StorageMetadataSessionOwnerTests {
    func session(owner: String?) -> MQTTSessionRecord {
        MQTTSessionRecord(
            virtualHost: "/", clientID: "c", cleanStart: false, expiryIntervalSeconds: 60, protocolLevel: 4,
            lastSeenMilliseconds: 5, owner: owner)
    }

    @Test func ownerRoundTripsAndSurvivesReopening() throws {
        try MetadataTestDirectory.withDatabasePath { path throws in
            do {
                let store = try MetadataStore(path: path)
                try store.saveMQTTSession(self.session(owner: "alice"))
                #expect(try store.mqttSession(virtualHost: "/", clientID: "c")?.owner == "alice")
                try store.close()
            }
            let reopened = try MetadataStore(path: path)
            #expect(try reopened.mqttSession(virtualHost: "/", clientID: "c")?.owner == "alice")
            #expect(try reopened.loadAll().mqttSessions.map(\.owner) == ["alice"])
            // A session without an owner (stored before the migration) loads with none.
            try reopened.saveMQTTSession(self.session(owner: nil))
            #expect(try reopened.mqttSession(virtualHost: "/", clientID: "c")?.owner == nil)
        }
    }
}
