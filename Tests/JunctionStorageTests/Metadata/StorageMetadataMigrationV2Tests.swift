import GRDB
import Testing

@testable import JunctionStorage

/// Schema v2: the QoS 2 packet ids of an MQTT session.
@Suite struct StorageMetadataMigrationV2Tests {
    func session(_ inbound: Set<UInt16>, _ completion: Set<UInt16>) -> MQTTSessionRecord {
        MQTTSessionRecord(
            virtualHost: "/", clientID: "c", cleanStart: false, expiryIntervalSeconds: 60, protocolLevel: 5,
            lastSeenMilliseconds: 5, subscriptions: [MQTTSubscriptionRecord(topicFilter: "a/#", qos: 2)],
            inboundAwaitingRelease: inbound, awaitingCompletion: completion
        )
    }

    @Test func packetIDsRoundTripIncludingTheExtremes() throws {
        try MetadataTestDirectory.withDatabasePath { path throws in
            let store = try MetadataStore(path: path)
            let record = self.session([1, 7, 256, UInt16.max], [0, 2])
            try store.saveMQTTSession(record)
            #expect(try store.mqttSession(virtualHost: "/", clientID: "c") == record)
            // Empty sets store as empty blobs (not NULL) and load back empty.
            try store.saveMQTTSession(self.session([], []))
            #expect(try store.mqttSession(virtualHost: "/", clientID: "c") == self.session([], []))
        }
    }

    @Test func inFlightUpdateKeepsSubscriptionsAndSurvivesReopening() throws {
        try MetadataTestDirectory.withDatabasePath { path throws in
            do {
                let store = try MetadataStore(path: path)
                try store.saveMQTTSession(self.session([], []))
                #expect(
                    try store.updateMQTTSessionInFlight(
                        virtualHost: "/", clientID: "c", inboundAwaitingRelease: [9], awaitingCompletion: [4, 5],
                        lastSeenMilliseconds: 50
                    ))
                #expect(
                    try !store.updateMQTTSessionInFlight(
                        virtualHost: "/", clientID: "nobody", inboundAwaitingRelease: [1], awaitingCompletion: [],
                        lastSeenMilliseconds: 50
                    ))
            }
            var expected = self.session([9], [4, 5])
            expected.lastSeenMilliseconds = 50
            #expect(try MetadataStore(path: path).loadAll().mqttSessions == [expected])
        }
    }

    @Test func aVersion1FileMigratesWithEmptyIDs() throws {
        try MetadataTestDirectory.withDatabasePath { path throws in
            do {
                let queue = try DatabaseQueue(path: path)
                try MetadataSchema.migrator.migrate(queue, upTo: "v1")
                try queue.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO mqtt_sessions (virtual_host, client_id, clean_start, expiry_interval, protocol_level, last_seen)
                            VALUES ('/', 'old', 0, 30, 4, 7)
                            """)
                }
            }
            let store = try MetadataStore(path: path)
            let loaded = try store.mqttSession(virtualHost: "/", clientID: "old")
            #expect(
                loaded
                    == MQTTSessionRecord(
                        virtualHost: "/", clientID: "old", cleanStart: false, expiryIntervalSeconds: 30,
                        protocolLevel: 4,
                        lastSeenMilliseconds: 7
                    ))
            try store.updateMQTTSessionInFlight(
                virtualHost: "/", clientID: "old", inboundAwaitingRelease: [3], awaitingCompletion: [],
                lastSeenMilliseconds: 8
            )
            #expect(try store.mqttSession(virtualHost: "/", clientID: "old")?.inboundAwaitingRelease == [3])
        }
    }

    @Test func aTornIDColumnIsReportedAsCorrupt() throws {
        #expect(MQTTPacketIDs.decode([0x01]) == nil)
        #expect(MQTTPacketIDs.decode(MQTTPacketIDs.encode([513, 2])) == [513, 2])
        #expect(MQTTPacketIDs.encode([513, 2]) == [0x00, 0x02, 0x02, 0x01])
    }
}
