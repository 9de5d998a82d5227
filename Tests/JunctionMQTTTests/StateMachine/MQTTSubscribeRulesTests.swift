import JunctionCore
import JunctionModel
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// SUBSCRIBE's rules without NIO or the engine: valid, shared and session filters, the limit,
/// no-local on shared subscriptions, Retain Handling 0/1/2 and retained messages as sent.
@Suite struct MQTTSubscribeRulesTests {
    func decide(
        _ filter: String, noLocal: Bool = false, existing: [String] = [], limit: Int = 0
    ) -> MQTTSubscribeRules.Decision {
        let entries = Dictionary(
            uniqueKeysWithValues: existing.map {
                (
                    $0,
                    MQTTSessionSubscription(
                        subscription: MQTTSubscription(filter: $0, qos: .atMostOnce), identifier: nil)
                )
            })
        return MQTTSubscribeRules.decide(
            MQTTSubscription(filter: filter, qos: .atLeastOnce, noLocal: noLocal), existing: entries,
            maximumSubscriptions: limit)
    }

    @Test func filtersAreSessionOrShared() {
        #expect(self.decide("a/+/c") == .accept(.session(filter: "a/+/c"), isNew: true))
        #expect(self.decide("a/#", existing: ["a/#"]) == .accept(.session(filter: "a/#"), isNew: false))
        #expect(self.decide("$share/g/a/#") == .accept(.shared(group: "g", filter: "a/#"), isNew: true))
        #expect(MQTTSubscribeRules.Target.shared(group: "g", filter: "a/#").bindingFilter == "a/#")
    }

    @Test func invalidFiltersAreRefusedOneByOne() {
        #expect(self.decide("a/#/b") == .refuse(.topicFilterInvalid))
        #expect(self.decide("$share/g") == .refuse(.topicFilterInvalid))
        #expect(self.decide("$share/g+/a") == .refuse(.topicFilterInvalid))
        #expect(self.decide("$share/g/a/#/b") == .refuse(.topicFilterInvalid))
    }

    @Test func noLocalOnSharedIsAProtocolError() {
        // [MQTT-3.8.3-4]
        #expect(self.decide("$share/g/a", noLocal: true) == .protocolError)
        #expect(self.decide("a", noLocal: true) == .accept(.session(filter: "a"), isNew: true))
        // An invalid filter is refused before the option is looked at.
        #expect(self.decide("$share/g/a/#/b", noLocal: true) == .refuse(.topicFilterInvalid))
    }

    @Test func limitCountsNewFiltersOnly() {
        #expect(self.decide("c", existing: ["a", "b"], limit: 2) == .refuse(.quotaExceeded))
        #expect(self.decide("a", existing: ["a", "b"], limit: 2) == .accept(.session(filter: "a"), isNew: false))
        #expect(self.decide("c", existing: ["a", "b"], limit: 3) == .accept(.session(filter: "c"), isNew: true))
        #expect(self.decide("c", existing: ["a", "b"], limit: 0) == .accept(.session(filter: "c"), isNew: true))
    }

    @Test func retainHandling() {
        let session = MQTTSubscribeRules.Target.session(filter: "a")
        func options(_ handling: MQTTSubscription.RetainHandling) -> MQTTSubscription {
            MQTTSubscription(filter: "a", qos: .atMostOnce, retainHandling: handling)
        }
        #expect(MQTTSubscribeRules.sendsRetained(options(.sendOnSubscribe), target: session, isNew: false))
        #expect(MQTTSubscribeRules.sendsRetained(options(.sendOnSubscribe), target: session, isNew: true))
        #expect(MQTTSubscribeRules.sendsRetained(options(.sendOnNewSubscribe), target: session, isNew: true))
        #expect(!MQTTSubscribeRules.sendsRetained(options(.sendOnNewSubscribe), target: session, isNew: false))
        #expect(!MQTTSubscribeRules.sendsRetained(options(.doNotSend), target: session, isNew: true))
        let shared = MQTTSubscribeRules.Target.shared(group: "g", filter: "a")
        #expect(!MQTTSubscribeRules.sendsRetained(options(.sendOnSubscribe), target: shared, isNew: true))
    }

    @Test func noLocalCount() {
        let on = MQTTSubscription(filter: "a", qos: .atMostOnce, noLocal: true)
        let off = MQTTSubscription(filter: "a", qos: .atMostOnce)
        #expect(MQTTSubscribeRules.noLocalChange(replacing: nil, with: on) == 1)
        #expect(MQTTSubscribeRules.noLocalChange(replacing: nil, with: off) == 0)
        #expect(MQTTSubscribeRules.noLocalChange(replacing: .init(subscription: on, identifier: nil), with: off) == -1)
        #expect(MQTTSubscribeRules.noLocalChange(replacing: .init(subscription: on, identifier: nil), with: on) == 0)
    }

    @Test func retainedMessageAsSent() {
        let retained = MQTTRetainedMessage(
            topic: "a/b", qos: .exactlyOnce,
            message: Message(exchange: "amq.topic", routingKey: "a.b", body: ByteBuffer(string: "x")))
        let v5 = MQTTSubscribeRules.retainedPublish(
            retained, for: MQTTSubscription(filter: "a/#", qos: .atLeastOnce), identifier: 9, version: .v5, now: 0)
        #expect(v5.topic == "a/b" && v5.retain && v5.qos == .atLeastOnce)
        #expect(v5.properties.subscriptionIdentifiers == [9])
        let v311 = MQTTSubscribeRules.retainedPublish(
            retained, for: MQTTSubscription(filter: "a/#", qos: .exactlyOnce), identifier: 9, version: .v311, now: 0)
        #expect(v311.qos == .exactlyOnce && v311.properties.subscriptionIdentifiers.isEmpty)
    }
}
