import JunctionCore
import JunctionMQTTCodec
import JunctionModel
import NIOCore
import Testing

@testable import JunctionMQTT

/// Delivery rules without NIO or the engine: overlapping filters, no-local, retain-as-published,
/// shared subscriptions, QoS downgrade, DUP and subscription identifiers.
@Suite struct MQTTDeliveryRulesTests {
    func entry(
        _ filter: String, _ qos: MQTTQoS, id: Int? = nil, noLocal: Bool = false, retainAsPublished: Bool = false
    ) -> (String, MQTTSessionSubscription) {
        (
            filter,
            MQTTSessionSubscription(
                subscription: MQTTSubscription(
                    filter: filter, qos: qos, noLocal: noLocal, retainAsPublished: retainAsPublished),
                identifier: id)
        )
    }

    func subscriptions(_ entries: (String, MQTTSessionSubscription)...) -> [String: MQTTSessionSubscription] {
        Dictionary(uniqueKeysWithValues: entries)
    }

    func message(qos: MQTTQoS, retain: Bool = false, topic: String = "a/b", publisher: String? = nil) -> Message {
        MQTTMessageMapping.message(
            from: MQTTPublish(
                topic: topic, qos: qos, retain: retain, packetID: qos == .atMostOnce ? nil : MQTTPacketID(1),
                payload: ByteBuffer(string: "x")),
            topic: topic, exchange: "amq.topic", publisher: publisher)
    }

    @Test func overlappingFiltersGiveOneDeliveryAtTheHighestQoSWithEveryIdentifier() {
        // [MQTT-3.3.4-2, -3, -5]
        let match = MQTTDeliveryRules.sessionMatch(
            topic: "a/b", publisher: nil, clientID: "c",
            subscriptions: self.subscriptions(
                self.entry("a/+", .atMostOnce, id: 7), self.entry("a/#", .exactlyOnce, id: 3),
                self.entry("a/b", .atLeastOnce), self.entry("x/#", .exactlyOnce, id: 9)))
        #expect(match == MQTTDeliveryRules.Match(qos: .exactlyOnce, identifiers: [3, 7]))
    }

    @Test func nothingMatchesAfterUnsubscribe() {
        let none = MQTTDeliveryRules.sessionMatch(
            topic: "a/b", publisher: nil, clientID: "c",
            subscriptions: self.subscriptions(self.entry("x", .atLeastOnce)))
        #expect(none == nil)
    }

    @Test func noLocalSkipsOnlyTheClientsOwnMessages() {
        // [MQTT-3.8.3-3]
        let subscriptions = self.subscriptions(
            self.entry("a/#", .exactlyOnce, noLocal: true), self.entry("a/b", .atMostOnce))
        let own = MQTTDeliveryRules.sessionMatch(
            topic: "a/b", publisher: "c", clientID: "c", subscriptions: subscriptions)
        #expect(own == MQTTDeliveryRules.Match(qos: .atMostOnce))
        let other = MQTTDeliveryRules.sessionMatch(
            topic: "a/b", publisher: "d", clientID: "c", subscriptions: subscriptions)
        #expect(other == MQTTDeliveryRules.Match(qos: .exactlyOnce))
        let onlyNoLocal = MQTTDeliveryRules.sessionMatch(
            topic: "a/b", publisher: "c", clientID: "c",
            subscriptions: self.subscriptions(self.entry("a/#", .atLeastOnce, noLocal: true)))
        #expect(onlyNoLocal == nil)
    }

    @Test func sharedFiltersAreNotPartOfTheSessionsMatch() {
        let subscriptions = self.subscriptions(self.entry("$share/g/a/b", .exactlyOnce, id: 4))
        #expect(
            MQTTDeliveryRules.sessionMatch(topic: "a/b", publisher: nil, clientID: "c", subscriptions: subscriptions)
                == nil)
        #expect(
            MQTTDeliveryRules.sharedMatch(subscriptions["$share/g/a/b"])
                == MQTTDeliveryRules.Match(qos: .exactlyOnce, identifiers: [4]))
        #expect(MQTTDeliveryRules.sharedMatch(nil) == nil)
    }

    @Test func retainAsPublishedKeepsTheFlagOnlyForARetainedMessage() throws {
        // [MQTT-3.3.1-12, -13]
        let keep = MQTTDeliveryRules.sessionMatch(
            topic: "a/b", publisher: nil, clientID: "c",
            subscriptions: self.subscriptions(
                self.entry("a/b", .atMostOnce, retainAsPublished: true), self.entry("a/#", .atMostOnce)))
        #expect(keep?.retainAsPublished == true)
        let match = try #require(keep)
        let retained = MQTTDeliveryRules.publish(
            from: self.message(qos: .atMostOnce, retain: true), topic: "a/b", match: match, redelivered: false,
            version: .v5, now: 0)
        #expect(retained.retain)
        let live = MQTTDeliveryRules.publish(
            from: self.message(qos: .atMostOnce), topic: "a/b", match: match, redelivered: false, version: .v5, now: 0)
        #expect(!live.retain)
        let cleared = MQTTDeliveryRules.publish(
            from: self.message(qos: .atMostOnce, retain: true), topic: "a/b",
            match: MQTTDeliveryRules.Match(qos: .atMostOnce),
            redelivered: false, version: .v5, now: 0)
        #expect(!cleared.retain)
    }

    @Test func qosIsTheLowerOfPublishedAndSubscribed() {
        // [MQTT-3.8.4-8]
        for published in [MQTTQoS.atMostOnce, .atLeastOnce, .exactlyOnce] {
            for subscribed in [MQTTQoS.atMostOnce, .atLeastOnce, .exactlyOnce] {
                let publish = MQTTDeliveryRules.publish(
                    from: self.message(qos: published), topic: "a/b", match: MQTTDeliveryRules.Match(qos: subscribed),
                    redelivered: false, version: .v311, now: 0)
                #expect(publish.qos == min(published, subscribed))
            }
        }
    }

    @Test func dupOnlyForARedeliveryAboveQoS0() {
        // [MQTT-3.3.1-1, -2]
        let atLeastOnce = MQTTDeliveryRules.Match(qos: .atLeastOnce)
        let again = MQTTDeliveryRules.publish(
            from: self.message(qos: .exactlyOnce), topic: "a/b", match: atLeastOnce, redelivered: true, version: .v5,
            now: 0)
        #expect(again.dup && again.qos == .atLeastOnce)
        let first = MQTTDeliveryRules.publish(
            from: self.message(qos: .exactlyOnce), topic: "a/b", match: atLeastOnce, redelivered: false, version: .v5,
            now: 0)
        #expect(!first.dup)
        let downgraded = MQTTDeliveryRules.publish(
            from: self.message(qos: .atLeastOnce), topic: "a/b", match: MQTTDeliveryRules.Match(qos: .atMostOnce),
            redelivered: true, version: .v5, now: 0)
        #expect(!downgraded.dup && downgraded.qos == .atMostOnce)
    }

    @Test func subscriptionIdentifiersGoToMQTT5ClientsOnly() {
        let match = MQTTDeliveryRules.Match(qos: .atMostOnce, identifiers: [1, 5])
        let v5 = MQTTDeliveryRules.publish(
            from: self.message(qos: .atMostOnce), topic: "a/b", match: match, redelivered: false, version: .v5, now: 0)
        #expect(v5.properties.subscriptionIdentifiers == [1, 5])
        let v311 = MQTTDeliveryRules.publish(
            from: self.message(qos: .atMostOnce), topic: "a/b", match: match, redelivered: false, version: .v311,
            now: 0)
        #expect(v311.properties.subscriptionIdentifiers.isEmpty)
        #expect(v311.topic == "a/b")
    }
}
