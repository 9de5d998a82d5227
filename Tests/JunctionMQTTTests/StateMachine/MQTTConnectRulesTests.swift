import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// CONNECT's rules without NIO or the engine: client identifiers, expiry per version, session
/// ownership, session present and clean start, CONNACK properties.
@Suite struct MQTTConnectRulesTests {
    func connect(
        _ version: MQTTProtocolVersion, id: String = "c", cleanStart: Bool = true, expiry: UInt32? = nil
    ) -> MQTTConnect {
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = expiry
        return MQTTConnect(
            protocolVersion: version, clientID: id, cleanStart: cleanStart, keepAlive: 10, properties: properties)
    }

    @Test func emptyClientIdentifierIsAssignedOrRefused() {
        let assign = { "generated" }
        #expect(MQTTConnectRules.clientIdentifier(of: self.connect(.v5, id: "dev"), assign: assign) == .given("dev"))
        #expect(
            MQTTConnectRules.clientIdentifier(of: self.connect(.v5, id: ""), assign: assign) == .assigned("generated"))
        #expect(
            MQTTConnectRules.clientIdentifier(of: self.connect(.v5, id: "", cleanStart: false), assign: assign)
                == .assigned("generated"))
        #expect(
            MQTTConnectRules.clientIdentifier(of: self.connect(.v311, id: ""), assign: assign) == .assigned("generated")
        )
        // [MQTT-3.1.3-8]
        #expect(
            MQTTConnectRules.clientIdentifier(of: self.connect(.v311, id: "", cleanStart: false), assign: assign)
                == .refused(.clientIdentifierNotValid))
        #expect(MQTTConnectRules.generatedClientIdentifier().hasPrefix("junction-"))
        #expect(MQTTConnectRules.generatedClientIdentifier() != MQTTConnectRules.generatedClientIdentifier())
    }

    @Test func expiryPerVersion() {
        #expect(MQTTConnectRules.sessionExpiry(of: self.connect(.v311, cleanStart: false), maximum: .max) == .max)
        #expect(MQTTConnectRules.sessionExpiry(of: self.connect(.v311, cleanStart: false), maximum: 60) == 60)
        #expect(MQTTConnectRules.sessionExpiry(of: self.connect(.v311, cleanStart: true), maximum: 60) == 0)
        // 3.1.1 has no property; MQTT 5 without one ends with the connection, clean start or not.
        #expect(MQTTConnectRules.sessionExpiry(of: self.connect(.v5, cleanStart: false), maximum: 60) == 0)
        #expect(MQTTConnectRules.sessionExpiry(of: self.connect(.v5, expiry: 30), maximum: 60) == 30)
        #expect(MQTTConnectRules.sessionExpiry(of: self.connect(.v5, expiry: 300), maximum: 60) == 60)
    }

    @Test func sessionBelongsToItsOwner() {
        #expect(MQTTConnectRules.mayAttach(user: "a", liveOwner: nil, storedOwner: nil))
        #expect(MQTTConnectRules.mayAttach(user: "a", liveOwner: "a", storedOwner: "b"))
        #expect(!MQTTConnectRules.mayAttach(user: "a", liveOwner: "b", storedOwner: "a"))
        #expect(!MQTTConnectRules.mayAttach(user: "a", liveOwner: nil, storedOwner: "b"))
        #expect(MQTTConnectRules.mayAttach(user: "a", liveOwner: nil, storedOwner: "a"))
    }

    @Test func storedSessionIsPresentUnlessCleanStart() {
        let filter = MQTTSessionSubscription(
            subscription: MQTTSubscription(filter: "a/#", qos: .atLeastOnce), identifier: 3)
        let stored = MQTTSessionRecord(
            clientID: "c", subscriptions: ["a/#": filter], expiryInterval: 10, inboundAwaitingRelease: [7],
            owner: "old")
        let resumed = MQTTConnectRules.session(clientID: "c", stored: stored, cleanStart: false, expiry: 99, owner: "u")
        #expect(resumed.sessionPresent && !resumed.discardStored && resumed.mustStore)
        #expect(resumed.record.subscriptions == ["a/#": filter] && resumed.record.inboundAwaitingRelease == [7])
        #expect(resumed.record.expiryInterval == 99 && resumed.record.owner == "u")

        let clean = MQTTConnectRules.session(clientID: "c", stored: stored, cleanStart: true, expiry: 0, owner: "u")
        #expect(!clean.sessionPresent && clean.discardStored && !clean.mustStore && clean.removeStored)
        #expect(clean.record == MQTTSessionRecord(clientID: "c", expiryInterval: 0, owner: "u"))

        let fresh = MQTTConnectRules.session(clientID: "c", stored: nil, cleanStart: false, expiry: 5, owner: "u")
        #expect(!fresh.sessionPresent && !fresh.discardStored && fresh.mustStore && !fresh.removeStored)

        // A clean session with nothing stored: no write; a clean start of a persistent one saves.
        let cleanNew = MQTTConnectRules.session(clientID: "c", stored: nil, cleanStart: true, expiry: 0, owner: "u")
        #expect(cleanNew.discardStored && !cleanNew.mustStore && !cleanNew.removeStored)
        let cleanPersistent = MQTTConnectRules.session(
            clientID: "c", stored: stored, cleanStart: true, expiry: 5, owner: "u")
        #expect(cleanPersistent.mustStore && !cleanPersistent.removeStored)
        #expect(fresh.record == MQTTSessionRecord(clientID: "c", expiryInterval: 5, owner: "u"))
    }

    @Test func connAckPropertiesForMQTT5Only() {
        let server = MQTTConnectRules.Announcement(
            topicAliasMaximum: 16, maximumPacketSize: 1 << 40, maximumSessionExpiry: 60)
        let v311 = MQTTConnectRules.connAckProperties(
            for: self.connect(.v311), assignedClientID: "x", grantedExpiry: 0, server: server)
        #expect(v311 == MQTTProperties())

        let asked = MQTTConnectRules.connAckProperties(
            for: self.connect(.v5, expiry: 300), assignedClientID: "x", grantedExpiry: 60, server: server)
        #expect(asked.assignedClientIdentifier == "x")
        #expect(asked.topicAliasMaximum == 16 && asked.maximumPacketSize == UInt32.max)
        #expect(asked.retainAvailable == 1 && asked.wildcardSubscriptionAvailable == 1)
        #expect(asked.subscriptionIdentifierAvailable == 1 && asked.sharedSubscriptionAvailable == 1)
        // The granted expiry is announced only when it differs from the one asked for.
        #expect(asked.sessionExpiryInterval == 60)
        let within = MQTTConnectRules.connAckProperties(
            for: self.connect(.v5, expiry: 30), assignedClientID: nil, grantedExpiry: 30, server: server)
        #expect(within.sessionExpiryInterval == nil && within.assignedClientIdentifier == nil)
    }
}
