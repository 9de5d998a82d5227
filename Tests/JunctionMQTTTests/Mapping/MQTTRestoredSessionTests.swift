import Testing

@testable import JunctionMQTT

@Suite struct MQTTRestoredSessionTests {
    @Test func remainingLifetimeCountsFromLastSeen() {
        let record = MQTTSessionRecord(clientID: "c", expiryInterval: 60)
        #expect(MQTTRestoredSession(record: record, offline: .seconds(20)).remainingLifetime == .seconds(40))
        #expect(MQTTRestoredSession(record: record, offline: .seconds(60)).remainingLifetime == .zero)
        #expect(MQTTRestoredSession(record: record, offline: .seconds(600)).remainingLifetime == .zero)
        let forever = MQTTSessionRecord(clientID: "c", expiryInterval: UInt32.max)
        #expect(MQTTRestoredSession(record: forever, offline: .seconds(600)).remainingLifetime == nil)
    }
}
