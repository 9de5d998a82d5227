import JunctionCore
import JunctionCoreTestSupport
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// A session store whose writes fail while `failing` is set (as SQLite does on a full or broken
/// disk); what it holds is what was stored before.
final class FailingSessionStore: MQTTSessionStore {
    struct InjectedFailure: Error {}
    let stored = InMemorySessionStore()
    var failing = false

    private func check() throws {
        if self.failing { throw InjectedFailure() }
    }

    func load(clientID: String) throws -> MQTTSessionRecord? {
        try self.check()
        return self.stored.load(clientID: clientID)
    }

    func save(_ record: MQTTSessionRecord) throws {
        try self.check()
        self.stored.save(record)
    }

    func remove(clientID: String) throws {
        try self.check()
        self.stored.remove(clientID: clientID)
    }

    func saveInFlight(clientID: String, inboundAwaitingRelease: Set<UInt16>, awaitingCompletion: Set<UInt16>) throws {
        try self.check()
        self.stored.saveInFlight(
            clientID: clientID, inboundAwaitingRelease: inboundAwaitingRelease, awaitingCompletion: awaitingCompletion)
    }

    func restoredSessions() -> [MQTTRestoredSession] { [] }
}

/// No CONNACK, SUBACK, UNSUBACK or PUBREC for session state the store did not take.
@Suite struct MQTTSessionStoreFailureTests {
    let store = FailingSessionStore()
    let broker: MQTTTestBroker

    init() {
        self.broker = MQTTTestBroker(sessions: self.store)
    }

    private func persistent(_ version: MQTTProtocolVersion) -> MQTTProperties {
        var properties = MQTTProperties()
        if version == .v5 { properties.sessionExpiryInterval = 600 }
        return properties
    }

    @Test func connectIsRefusedWhenTheSessionCannotBeStored() throws {
        let watcher = try self.broker.client(.v311)
        try watcher.connect(clientID: "watcher")
        _ = try watcher.subscribe("wills/#", qos: .atMostOnce)
        self.store.failing = true
        let will = MQTTWill(topic: "wills/a", payload: ByteBuffer(string: "gone"), qos: .atMostOnce, retain: false)
        let v5 = try self.broker.client(.v5)
        let refused = try v5.connect(
            clientID: "p5", cleanStart: false, will: will, properties: self.persistent(.v5))
        #expect(refused?.reasonCode == .unspecifiedError)
        #expect(!v5.isActive)
        // 3.1.1: return code 3, server unavailable.
        let v311 = try self.broker.client(.v311)
        #expect(try v311.connect(clientID: "p311", cleanStart: false)?.reasonCode == .serverUnavailable)
        #expect(!v311.isActive)
        // A clean start whose old session cannot be deleted is refused too.
        let clean = try self.broker.client(.v311)
        #expect(try clean.connect(clientID: "c311", cleanStart: true)?.reasonCode == .serverUnavailable)
        #expect(self.broker.server.live.keys.sorted() == ["watcher"])
        // Nothing was attached: no will.
        #expect(try watcher.publishes().isEmpty)
    }

    @Test(arguments: [MQTTProtocolVersion.v5, .v311])
    func subscribeIsRefusedAndUndone(_ version: MQTTProtocolVersion) throws {
        let subscriber = try self.broker.client(version)
        try subscriber.connect(clientID: "s", cleanStart: false, properties: self.persistent(version))
        let publisher = try self.broker.client(.v5)
        try publisher.connect(clientID: "pub")
        self.store.failing = true
        #expect(
            try subscriber.subscribe("s/#", qos: .atLeastOnce) == [
                .subAck(MQTTSubAck(packetID: MQTTPacketID(1), reasonCodes: [.unspecifiedError]))
            ])
        #expect(self.store.stored.load(clientID: "s")?.subscriptions.isEmpty == true)
        try publisher.publish("s/1", "refused filter")
        #expect(try subscriber.publishes().isEmpty)
        // Once the store works again the same SUBSCRIBE succeeds.
        self.store.failing = false
        #expect(
            try subscriber.subscribe("s/#", qos: .atLeastOnce, id: 2) == [
                .subAck(MQTTSubAck(packetID: MQTTPacketID(2), reasonCodes: [.grantedQoS1]))
            ])
        try publisher.publish("s/1", "accepted filter")
        #expect(try subscriber.publishes().map(\.payload) == [ByteBuffer(string: "accepted filter")])
    }

    @Test func unsubscribeIsRefusedAndNothingIsRemoved() throws {
        let subscriber = try self.broker.client(.v5)
        try subscriber.connect(clientID: "u", cleanStart: false, properties: self.persistent(.v5))
        _ = try subscriber.subscribe("u/#", qos: .atMostOnce)
        let publisher = try self.broker.client(.v5)
        try publisher.connect(clientID: "pub")
        self.store.failing = true
        try subscriber.send(.unsubscribe(MQTTUnsubscribe(packetID: MQTTPacketID(2), filters: ["u/#"])))
        #expect(
            try subscriber.received() == [
                .unsubAck(MQTTSubAck(packetID: MQTTPacketID(2), reasonCodes: [.unspecifiedError]))
            ])
        try publisher.publish("u/1", "still subscribed")
        #expect(try subscriber.publishes().map(\.payload) == [ByteBuffer(string: "still subscribed")])
        // 3.1.1 cannot refuse in UNSUBACK: the connection closes instead.
        self.store.failing = false
        let v311 = try self.broker.client(.v311)
        try v311.connect(clientID: "u311", cleanStart: false)
        _ = try v311.subscribe("u/#", qos: .atMostOnce)
        self.store.failing = true
        try v311.send(.unsubscribe(MQTTUnsubscribe(packetID: MQTTPacketID(2), filters: ["u/#"])))
        #expect(try v311.received().isEmpty)
        #expect(!v311.isActive)
    }

    @Test func qos2PublishGetsNoPubRecWhenItsIdCannotBeStored() throws {
        let publisher = try self.broker.client(.v5)
        try publisher.connect(clientID: "p", cleanStart: false, properties: self.persistent(.v5))
        self.store.failing = true
        try publisher.publish("x", "exactly once", qos: .exactlyOnce, id: 7)
        #expect(try publisher.received() == [.disconnect(MQTTDisconnect(reasonCode: .unspecifiedError))])
        #expect(!publisher.isActive)
    }
}
