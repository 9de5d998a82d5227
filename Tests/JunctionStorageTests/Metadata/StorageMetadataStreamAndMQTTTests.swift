import Testing

@testable import JunctionStorage

/// Consumer-group offsets, MQTT sessions and retained messages.
@Suite struct StorageMetadataStreamAndMQTTTests {
    @Test func consumerOffsetCommitIsAnUpsert() throws {
        try withStore { store throws in
            #expect(try store.consumerOffset(virtualHost: "/", stream: "s", group: "g") == nil)
            try store.commitConsumerOffset(
                ConsumerOffsetRecord(virtualHost: "/", stream: "s", group: "g", offset: 10, updatedAtMilliseconds: 100))
            try store.commitConsumerOffset(
                ConsumerOffsetRecord(virtualHost: "/", stream: "s", group: "g", offset: 25, updatedAtMilliseconds: 200))
            try store.commitConsumerOffset(
                ConsumerOffsetRecord(virtualHost: "/", stream: "s", group: "h", offset: 3, updatedAtMilliseconds: 300))
            #expect(
                try store.consumerOffset(virtualHost: "/", stream: "s", group: "g")
                    == ConsumerOffsetRecord(
                        virtualHost: "/", stream: "s", group: "g", offset: 25, updatedAtMilliseconds: 200))
            #expect(try store.loadAll().consumerOffsets.map(\.group) == ["g", "h"])
            #expect(try store.deleteConsumerOffset(virtualHost: "/", stream: "s", group: "g"))
            #expect(try store.consumerOffset(virtualHost: "/", stream: "s", group: "g") == nil)
        }
    }

    @Test func unsignedValuesRoundTripAtTheirExtremes() throws {
        try withStore { store throws in
            for value in [UInt64.min, 1, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max] {
                let record = ConsumerOffsetRecord(
                    virtualHost: "/", stream: "s", group: "g", offset: value, updatedAtMilliseconds: value)
                try store.commitConsumerOffset(record)
                #expect(try store.consumerOffset(virtualHost: "/", stream: "s", group: "g") == record)
            }
        }
    }

    @Test func savingASessionReplacesItsSubscriptions() throws {
        try withStore { store throws in
            var session = MQTTSessionRecord(
                virtualHost: "/", clientID: "c", cleanStart: false, expiryIntervalSeconds: 60, protocolLevel: 5,
                lastSeenMilliseconds: 1,
                subscriptions: [
                    MQTTSubscriptionRecord(topicFilter: "a/#", qos: 1),
                    MQTTSubscriptionRecord(topicFilter: "b", qos: 0),
                ]
            )
            try store.saveMQTTSession(session)
            #expect(try store.mqttSession(virtualHost: "/", clientID: "c") == session)

            session.subscriptions = [MQTTSubscriptionRecord(topicFilter: "c/+", qos: 2, subscriptionIdentifier: 1)]
            session.protocolLevel = 4
            try store.saveMQTTSession(session)
            #expect(try store.loadAll().mqttSessions == [session])
        }
    }

    @Test func subscriptionsAreAddedReplacedAndRemovedIndividually() throws {
        try withStore { store throws in
            try store.saveMQTTSession(
                MQTTSessionRecord(
                    virtualHost: "/", clientID: "c", cleanStart: false, expiryIntervalSeconds: 0, protocolLevel: 4,
                    lastSeenMilliseconds: 0
                ))
            try store.addMQTTSubscription(
                MQTTSubscriptionRecord(topicFilter: "t/#", qos: 0), virtualHost: "/", clientID: "c")
            try store.addMQTTSubscription(
                MQTTSubscriptionRecord(topicFilter: "t/#", qos: 2), virtualHost: "/", clientID: "c")
            try store.addMQTTSubscription(
                MQTTSubscriptionRecord(topicFilter: "u", qos: 1), virtualHost: "/", clientID: "c")
            #expect(
                try store.mqttSession(virtualHost: "/", clientID: "c")?.subscriptions
                    == [
                        MQTTSubscriptionRecord(topicFilter: "t/#", qos: 2),
                        MQTTSubscriptionRecord(topicFilter: "u", qos: 1),
                    ])
            #expect(try store.removeMQTTSubscription(virtualHost: "/", clientID: "c", topicFilter: "t/#"))
            #expect(try !store.removeMQTTSubscription(virtualHost: "/", clientID: "c", topicFilter: "t/#"))
            #expect(try store.mqttSession(virtualHost: "/", clientID: "c")?.subscriptions.map(\.topicFilter) == ["u"])
        }
    }

    @Test func aSubscriptionNeedsAStoredSession() throws {
        try withStore { store throws in
            let error = #expect(throws: MetadataStoreError.self) {
                try store.addMQTTSubscription(
                    MQTTSubscriptionRecord(topicFilter: "t", qos: 0), virtualHost: "/", clientID: "none")
            }
            #expect(error?.kind == .constraintViolation)
        }
    }

    @Test func deletingASessionDeletesItsSubscriptions() throws {
        try withStore { store throws in
            let session = MQTTSessionRecord(
                virtualHost: "/", clientID: "c", cleanStart: false, expiryIntervalSeconds: 0, protocolLevel: 5,
                lastSeenMilliseconds: 0, subscriptions: [MQTTSubscriptionRecord(topicFilter: "t", qos: 1)]
            )
            try store.saveMQTTSession(session)
            #expect(try store.deleteMQTTSession(virtualHost: "/", clientID: "c"))
            #expect(try store.mqttSession(virtualHost: "/", clientID: "c") == nil)
            // Saved again without subscriptions: none of the old ones come back.
            var fresh = session
            fresh.subscriptions = []
            try store.saveMQTTSession(fresh)
            #expect(try store.mqttSession(virtualHost: "/", clientID: "c")?.subscriptions == [])
        }
    }

    @Test func touchUpdatesLastSeenOfAnExistingSessionOnly() throws {
        try withStore { store throws in
            try store.saveMQTTSession(
                MQTTSessionRecord(
                    virtualHost: "/", clientID: "c", cleanStart: true, expiryIntervalSeconds: 5, protocolLevel: 3,
                    lastSeenMilliseconds: 10
                ))
            #expect(try store.touchMQTTSession(virtualHost: "/", clientID: "c", lastSeenMilliseconds: 99))
            #expect(try !store.touchMQTTSession(virtualHost: "/", clientID: "other", lastSeenMilliseconds: 99))
            #expect(try store.mqttSession(virtualHost: "/", clientID: "c")?.lastSeenMilliseconds == 99)
        }
    }

    @Test func retainedMessagesAreReplacedAndClearedByAnEmptyPayload() throws {
        try withStore { store throws in
            try store.retainMQTTMessage(retained("a/b", "1"))
            try store.retainMQTTMessage(retained("a/b", "2"))
            #expect(try store.mqttRetainedMessages(virtualHost: "/") == [retained("a/b", "2")])
            try store.retainMQTTMessage(retained("a/b", ""))
            #expect(try store.mqttRetainedMessages(virtualHost: "/").isEmpty)
            try store.retainMQTTMessage(retained("a/c", "3"))
            #expect(try store.deleteMQTTRetainedMessage(virtualHost: "/", topic: "a/c"))
            #expect(try !store.deleteMQTTRetainedMessage(virtualHost: "/", topic: "a/c"))
        }
    }

    @Test func retainedMessagesAreListedByTopicPrefix() throws {
        try withStore { store throws in
            let topics = ["a", "a/b", "a/b/c", "a/bc", "a0", "a\u{10FFFF}", "b", "", "é/x", "é"]
            for topic in topics { try store.retainMQTTMessage(retained(topic, "p")) }
            try store.retainMQTTMessage(
                MQTTRetainedMessageRecord(
                    virtualHost: "other", topic: "a/b", payload: [1], qos: 0, storedAtMilliseconds: 0))

            func listed(_ prefix: String) throws -> [String] {
                try store.mqttRetainedMessages(virtualHost: "/", topicPrefix: prefix).map(\.topic)
            }
            #expect(try listed("a/b") == ["a/b", "a/b/c", "a/bc"])
            #expect(try listed("a/b/") == ["a/b/c"])
            #expect(try listed("a") == ["a", "a/b", "a/b/c", "a/bc", "a0", "a\u{10FFFF}"])
            #expect(try listed("é") == ["é", "é/x"])
            #expect(try listed("zzz") == [])
            #expect(try listed("") == topics.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) })
        }
    }

    @Test func prefixUpperBoundSkipsSurrogatesAndTheLastScalar() {
        #expect(TopicPrefixRange.exclusiveUpperBound(of: "") == nil)
        #expect(TopicPrefixRange.exclusiveUpperBound(of: "a/b") == "a/c")
        #expect(TopicPrefixRange.exclusiveUpperBound(of: "x\u{D7FF}") == "x\u{E000}")
        #expect(TopicPrefixRange.exclusiveUpperBound(of: "x\u{10FFFF}") == "y")
        #expect(TopicPrefixRange.exclusiveUpperBound(of: "\u{10FFFF}\u{10FFFF}") == nil)
    }

    private func retained(_ topic: String, _ payload: String) -> MQTTRetainedMessageRecord {
        MQTTRetainedMessageRecord(
            virtualHost: "/", topic: topic, payload: Array(payload.utf8), qos: 1,
            properties: [], storedAtMilliseconds: 7)
    }

    private func withStore(_ body: (MetadataStore) throws -> Void) throws {
        try MetadataTestDirectory.withDatabasePath { path in try body(try MetadataStore(path: path)) }
    }
}
