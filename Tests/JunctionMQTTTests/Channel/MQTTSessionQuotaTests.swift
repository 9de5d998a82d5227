import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// `mqtt.max_retained_*` and `mqtt.max_queued_*`: retained messages and session queues are bounded,
/// and a refusal is never silent (0x97 for MQTT 5, a counted drop for 3.1.1).
@Suite struct MQTTSessionQuotaTests {
    @Test func retainedLimitRules() {
        let limits = MQTTSessionLimits(maxRetainedMessages: 2, maxRetainedBytes: 100)
        #expect(limits.admitsRetained(size: 10, replacing: nil, retainedCount: 1, retainedBytes: 10))
        // A new topic past the count; the same topic replaced is fine.
        #expect(!limits.admitsRetained(size: 10, replacing: nil, retainedCount: 2, retainedBytes: 20))
        #expect(limits.admitsRetained(size: 10, replacing: 10, retainedCount: 2, retainedBytes: 20))
        // Bytes: past the total unless it shrinks what the topic holds.
        #expect(!limits.admitsRetained(size: 91, replacing: nil, retainedCount: 0, retainedBytes: 10))
        #expect(limits.admitsRetained(size: 50, replacing: 60, retainedCount: 2, retainedBytes: 100))
        #expect(
            MQTTSessionLimits().admitsRetained(
                size: 1 << 30, replacing: nil, retainedCount: 1 << 30, retainedBytes: 1 << 40))
    }

    @Test func sessionQueueArgumentsFollowTheLimits() {
        #expect(MQTTSessionLimits().sessionQueueArguments.isEmpty)
        let limits = MQTTSessionLimits(maxQueuedMessages: 5, maxQueuedBytes: 0, queueOverflow: .rejectPublish)
        #expect(limits.sessionQueueArguments["x-max-length"] == .int64(5))
        #expect(limits.sessionQueueArguments["x-max-length-bytes"] == nil)
        #expect(limits.sessionQueueArguments["x-overflow"] == .longString(Array("reject-publish".utf8)))
    }

    @Test func retainedStoreCountsPayloadBytes() {
        let store = InMemoryRetainedStore()
        func retained(_ topic: String, _ payload: String) -> MQTTRetainedMessage {
            MQTTRetainedMessage(
                topic: topic, qos: .atMostOnce,
                message: Message(exchange: "amq.topic", routingKey: topic, body: ByteBuffer(string: payload)))
        }
        store.retain(retained("a", "12345"))
        store.retain(retained("b/c", "123"))
        #expect(store.payloadBytes == 8)
        store.retain(retained("a", "1"))
        #expect(store.payloadBytes == 4)
        #expect(store.payloadSize(topic: "b/c") == 3)
        #expect(store.payloadSize(topic: "b") == nil)
        store.remove(topic: "b/c")
        #expect(store.payloadBytes == 1)
        #expect(store.count == 1)
    }

    func broker(_ limits: MQTTSessionLimits) -> MQTTTestBroker {
        let broker = MQTTTestBroker()
        broker.configuration.sessionLimits = limits
        return broker
    }

    @Test func retainedPastTheLimitIsQuotaExceededForMQTT5() throws {
        let broker = self.broker(MQTTSessionLimits(maxRetainedMessages: 1))
        let publisher = try broker.client(.v5)
        try publisher.connect(clientID: "pub5")
        try publisher.publish("r/1", "first", qos: .atLeastOnce, id: 1, retain: true)
        #expect(
            try publisher.received() == [
                .pubAck(MQTTPublishResponse(packetID: MQTTPacketID(1), reasonCode: .noMatchingSubscribers))
            ])
        try publisher.publish("r/2", "second", qos: .atLeastOnce, id: 2, retain: true)
        #expect(
            try publisher.received() == [
                .pubAck(MQTTPublishResponse(packetID: MQTTPacketID(2), reasonCode: .quotaExceeded))
            ])
        // Replacing the one retained topic still works; clearing it too.
        try publisher.publish("r/1", "again", qos: .atLeastOnce, id: 3, retain: true)
        #expect(
            try publisher.received() == [
                .pubAck(MQTTPublishResponse(packetID: MQTTPacketID(3), reasonCode: .noMatchingSubscribers))
            ])
        #expect(broker.server.retained.count == 1)
        #expect(broker.broker.refusals[.mqttRetainedLimit] == 1)
        #expect(publisher.isActive)
    }

    @Test func retainedPastTheLimitIsDroppedAndCountedFor311() throws {
        let broker = self.broker(MQTTSessionLimits(maxRetainedBytes: 8))
        let subscriber = try broker.client(.v311)
        try subscriber.connect(clientID: "sub")
        _ = try subscriber.subscribe("r/#", qos: .atMostOnce)
        let publisher = try broker.client(.v311)
        try publisher.connect(clientID: "pub311")
        try publisher.publish("r/big", "more than eight", qos: .atLeastOnce, id: 1, retain: true)
        // Acknowledged (3.1.1 has no refusal code), not published, not retained, counted.
        #expect(try publisher.received() == [.pubAck(MQTTPublishResponse(packetID: MQTTPacketID(1)))])
        #expect(try subscriber.publishes().isEmpty)
        #expect(broker.server.retained.count == 0)
        #expect(broker.broker.refusals[.mqttRetainedLimit] == 1)
        try publisher.publish("r/small", "tiny", qos: .atMostOnce, retain: true)
        #expect(try subscriber.publishes().map(\.payload) == [ByteBuffer(string: "tiny")])
    }

    @Test func offlineSessionQueueKeepsTheNewestUpToTheLimit() throws {
        let broker = self.broker(MQTTSessionLimits(maxQueuedMessages: 3, queueOverflow: .dropHead))
        let subscriber = try broker.client(.v311)
        try subscriber.connect(clientID: "keeper", cleanStart: false)
        _ = try subscriber.subscribe("q/#", qos: .atLeastOnce)
        subscriber.drop()
        let publisher = try broker.client(.v311)
        try publisher.connect(clientID: "pub")
        for index in 1...5 { try publisher.publish("q/1", "m\(index)", qos: .atLeastOnce, id: UInt16(index)) }
        let again = try broker.client(.v311)
        try again.send(
            .connect(MQTTConnect(protocolVersion: .v311, clientID: "keeper", cleanStart: false, keepAlive: 60)))
        let payloads = try again.received().compactMap { packet -> String? in
            guard case .publish(let publish) = packet else { return nil }
            return String(buffer: publish.payload)
        }
        #expect(payloads == ["m3", "m4", "m5"])
    }

    @Test func aWillPastTheRetainedLimitIsPublishedButNotRetained() throws {
        let broker = self.broker(MQTTSessionLimits(maxRetainedMessages: 1))
        let publisher = try broker.client(.v311)
        try publisher.connect(clientID: "pub")
        try publisher.publish("r/1", "kept", qos: .atMostOnce, retain: true)
        let watcher = try broker.client(.v311)
        try watcher.connect(clientID: "watcher")
        _ = try watcher.subscribe("wills/#", qos: .atMostOnce)
        let will = MQTTWill(topic: "wills/a", payload: ByteBuffer(string: "gone"), qos: .atMostOnce, retain: true)
        let device = try broker.client(.v311)
        try device.connect(clientID: "device", will: will)
        device.drop()
        // Subscribers hear of the disconnect; the store keeps its one retained message; the refusal counts.
        #expect(try watcher.publishes().map(\.payload) == [ByteBuffer(string: "gone")])
        #expect(broker.server.retained.count == 1)
        #expect(broker.server.retained.payloadSize(topic: "wills/a") == nil)
        #expect(broker.broker.refusals[.mqttRetainedLimit] == 1)
    }

    @Test func aFullSessionQueueThatRejectsPublishesIsQuotaExceededForMQTT5() throws {
        let broker = self.broker(MQTTSessionLimits(maxQueuedMessages: 1, queueOverflow: .rejectPublish))
        let subscriber = try broker.client(.v311)
        try subscriber.connect(clientID: "offline", cleanStart: false)
        _ = try subscriber.subscribe("full/#", qos: .atLeastOnce)
        subscriber.drop()
        let publisher = try broker.client(.v5)
        try publisher.connect(clientID: "pub5")
        try publisher.publish("full/1", "fits", qos: .atLeastOnce, id: 1)
        #expect(try publisher.received() == [.pubAck(MQTTPublishResponse(packetID: MQTTPacketID(1)))])
        try publisher.publish("full/1", "refused", qos: .atLeastOnce, id: 2)
        #expect(
            try publisher.received() == [
                .pubAck(MQTTPublishResponse(packetID: MQTTPacketID(2), reasonCode: .quotaExceeded))
            ])
        // No subscription at all is still 0x10, not a quota.
        try publisher.publish("elsewhere", "nobody", qos: .atLeastOnce, id: 3)
        #expect(
            try publisher.received() == [
                .pubAck(MQTTPublishResponse(packetID: MQTTPacketID(3), reasonCode: .noMatchingSubscribers))
            ])
        // MQTT 3.1.1 has no refusal code: a plain PUBACK, and the connection stays.
        let old = try broker.client(.v311)
        try old.connect(clientID: "pub311")
        try old.publish("full/1", "refused too", qos: .atLeastOnce, id: 1)
        #expect(try old.received() == [.pubAck(MQTTPublishResponse(packetID: MQTTPacketID(1)))])
        #expect(old.isActive)
    }

    @Test func sessionQueuesDeclaredUnderOlderLimitsFollowTheCurrentOnes() throws {
        let broker = MQTTTestBroker()
        let host = try #require(broker.broker.virtualHost("/"))
        _ = try host.declareQueue(
            MQTTServerState.queueName(clientID: "old"), durable: false, exclusive: false, autoDelete: false,
            arguments: ["x-max-length": .int64(100)], passive: false, owner: ConnectionID(1))
        _ = try host.declareQueue(
            "orders", durable: false, exclusive: false, autoDelete: false, arguments: [:], passive: false,
            owner: ConnectionID(1))
        MQTTServerState.applySessionLimits(
            MQTTSessionLimits(maxQueuedMessages: 2, queueOverflow: .rejectPublish), in: host)
        for index in 0..<5 {
            for queue in [MQTTServerState.queueName(clientID: "old"), "orders"] {
                _ = try host.publish(Message(exchange: "", routingKey: queue, body: ByteBuffer(string: "m\(index)")))
            }
        }
        #expect(host.queue(named: MQTTServerState.queueName(clientID: "old"))?.readyCount == 2)
        // Only MQTT's session queues: other queues keep their own arguments.
        #expect(host.queue(named: "orders")?.readyCount == 5)
    }
}
