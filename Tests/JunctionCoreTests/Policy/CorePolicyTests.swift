import Foundation
import JunctionCoreTestSupport
import JunctionModel
import JunctionStorage
import Logging
import NIOCore
import Testing

@testable import JunctionCore

/// Policies: matching, priority, arguments against policies, operator caps, and a restart.
@Suite struct CorePolicyTests {
    func policy(
        _ name: String, _ pattern: String, _ definition: [(key: String, value: FieldValue)],
        applyTo: Policy.ApplyTo = .all, priority: Int = 0, kind: Policy.Kind = .user
    ) throws -> Policy {
        try Policy(
            kind: kind, name: name, pattern: pattern, applyTo: applyTo, priority: priority,
            definition: PolicyDefinition(definition, operatorPolicy: kind == .operatorPolicy))
    }

    @Test func aPolicyAppliesAtOnceToAnExistingQueueAndGoesWhenCleared() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("orders")
        for index in 0..<5 { try fixture.publish("", "orders", "m\(index)") }
        try fixture.vhost.setPolicy(try self.policy("limit", "^ord", [("max-length", .int64(2))]))
        let queue = try #require(fixture.vhost.queue(named: "orders"))
        #expect(queue.policy?.name == "limit")
        // drop-head: the oldest went at once.
        #expect(try fixture.drain("orders") == ["m3", "m4"])
        try fixture.vhost.clearPolicy(named: "limit", kind: .user)
        #expect(queue.policy == nil)
        for index in 0..<5 { try fixture.publish("", "orders", "n\(index)") }
        #expect(queue.readyCount == 5)
        #expect(throws: BrokerError.self) { try fixture.vhost.clearPolicy(named: "limit", kind: .user) }
    }

    @Test func aQueueDeclaredLaterGetsTheMatchingPolicy() throws {
        let fixture = CoreFixture()
        try fixture.vhost.setPolicy(try self.policy("ttl", "^jobs\\.", [("message-ttl", .int64(1000))]))
        try fixture.declareQueue("jobs.a")
        try fixture.declareQueue("other")
        #expect(fixture.vhost.queue(named: "jobs.a")?.policy?.name == "ttl")
        #expect(fixture.vhost.queue(named: "other")?.policy == nil)
        try fixture.publish("", "jobs.a")
        fixture.clock.advance(byMilliseconds: 1001)
        fixture.broker.expireMessages()
        #expect(fixture.vhost.queue(named: "jobs.a")?.readyCount == 0)
    }

    @Test func theHighestPriorityWinsAndApplyToIsHonoured() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.vhost.setPolicy(try self.policy("low", ".*", [("max-length", .int64(1))], priority: 1))
        try fixture.vhost.setPolicy(try self.policy("high", "q", [("max-length", .int64(3))], priority: 5))
        try fixture.vhost.setPolicy(
            try self.policy("streams", ".*", [("max-length", .int64(0))], applyTo: .streams, priority: 9))
        try fixture.vhost.setPolicy(
            try self.policy("exchanges", ".*", [("max-length", .int64(0))], applyTo: .exchanges, priority: 9))
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.policy?.name == "high")
        #expect(queue.settings.maxLength == 3)
    }

    @Test func streamsTakeMaxAgeAndRetentionBytesFromPolicies() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("events", durable: true, arguments: ["x-queue-type": .string("stream")])
        try fixture.declareQueue(
            "aged", durable: true, arguments: ["x-queue-type": .string("stream"), "x-max-age": .string("1h")])
        try fixture.vhost.setPolicy(
            try self.policy(
                "retention", ".*", [("max-age", .string("1D")), ("max-length-bytes", .int64(4096))], applyTo: .streams))
        let events = try #require(fixture.vhost.queue(named: "events"))
        #expect(events.settings.stream?.maxAgeMilliseconds == 86_400_000)
        #expect(events.settings.stream?.maxLengthBytes == 4096)
        // The stream's own x-max-age wins.
        #expect(fixture.vhost.queue(named: "aged")?.settings.stream?.maxAgeMilliseconds == 3_600_000)
    }

    @Test func argumentsAgainstPoliciesAsRabbitMQ() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue(
            "q", arguments: ["x-max-length": .int32(10), "x-dead-letter-exchange": .string("mine")])
        try fixture.vhost.setPolicy(
            try self.policy(
                "p", ".*",
                [
                    ("max-length", .int64(3)), ("dead-letter-exchange", .string("policy-dlx")),
                    ("dead-letter-routing-key", .string("dead")), ("overflow", .string("reject-publish")),
                    ("expires", .int64(60_000)),
                ]))
        let queue = try #require(fixture.vhost.queue(named: "q"))
        // A limit takes the lower value; a name set by the arguments wins; the rest comes from the policy.
        #expect(queue.settings.maxLength == 3)
        #expect(queue.settings.deadLetterExchange == "mine")
        #expect(queue.settings.deadLetterRoutingKey == "dead")
        #expect(queue.settings.overflow == .rejectPublish)
        #expect(queue.settings.expires == 60_000)
        // A redeclaration is compared with the arguments alone.
        try fixture.declareQueue(
            "q", arguments: ["x-max-length": .int32(10), "x-dead-letter-exchange": .string("mine")])
    }

    @Test func operatorPoliciesCapWhatUsersSet() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q", arguments: ["x-message-ttl": .int32(50_000)])
        try fixture.vhost.setPolicy(try self.policy("user", ".*", [("max-length", .int64(100))]))
        try fixture.vhost.setPolicy(
            try self.policy(
                "cap", ".*", [("max-length", .int64(10)), ("message-ttl", .int64(1000))], kind: .operatorPolicy))
        let queue = try #require(fixture.vhost.queue(named: "q"))
        #expect(queue.operatorPolicy?.name == "cap")
        #expect(queue.settings.maxLength == 10)
        #expect(queue.settings.messageTTL == 1000)
        #expect(
            queue.effectivePolicyDefinition.entries.map(\.key) == ["max-length", "message-ttl"]
                && queue.effectivePolicyDefinition.integer(.maxLength) == 10)
        // A user policy of the same name is another policy.
        #expect(fixture.vhost.policies(.user).map(\.name) == ["user"])
        #expect(fixture.vhost.policies(.operatorPolicy).map(\.name) == ["cap"])
    }

    @Test func unknownOrUnfitKeysAreRefused() throws {
        #expect(throws: BrokerError.self) {
            _ = try PolicyDefinition([("ha-mode", .string("all"))], operatorPolicy: false)
        }
        #expect(throws: BrokerError.self) {
            _ = try PolicyDefinition([("dead-letter-exchange", .string("x"))], operatorPolicy: true)
        }
        #expect(throws: BrokerError.self) {
            _ = try PolicyDefinition([("max-length", .int64(-1))], operatorPolicy: false)
        }
        #expect(throws: BrokerError.self) {
            _ = try PolicyDefinition([("overflow", .string("x"))], operatorPolicy: false)
        }
        #expect(throws: BrokerError.self) {
            _ = try PolicyDefinition([("max-age", .string("7X"))], operatorPolicy: false)
        }
        #expect(throws: BrokerError.self) { _ = try self.policy("bad", "(", []) }
        let definition = try PolicyDefinition(
            [("max-age", .string("7D")), ("delivery-limit", .int64(3))], operatorPolicy: false)
        #expect(try PolicyDefinition(jsonText: definition.jsonText, operatorPolicy: false) == definition)
    }

    @Test func policiesSurviveARestartAndApplyToRestoredQueues() throws {
        let directory = NSTemporaryDirectory() + "junction-policy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func makeBroker() throws -> (Broker, LogQueueStore, MetadataStore) {
            let store = try LogQueueStore(
                root: directory + "/queues", maxSegmentBytes: 1 << 20, logger: Logger(label: "test"))
            let metadata = try MetadataStore(path: directory + "/metadata.sqlite")
            let broker = Broker(logger: Logger(label: "test"), queueStore: store, metadata: metadata)
            try broker.restoreDefinitions()
            return (broker, store, metadata)
        }
        let first = try makeBroker()
        let host = try #require(first.0.virtualHost("/"))
        _ = try host.declareQueue(
            "kept", durable: true, exclusive: false, autoDelete: false, arguments: [:], passive: false,
            owner: ConnectionID(1))
        try host.setPolicy(try self.policy("limit", "^kept$", [("max-length", .int64(2))], priority: 3))
        try host.setPolicy(try self.policy("cap", ".*", [("message-ttl", .int64(500))], kind: .operatorPolicy))
        first.0.durability.syncNow()
        first.1.close()
        try first.2.close()

        let second = try makeBroker()
        let restored = try #require(second.0.virtualHost("/"))
        let queue = try #require(restored.queue(named: "kept"))
        #expect(queue.policy?.name == "limit" && queue.policy?.priority == 3)
        #expect(queue.operatorPolicy?.name == "cap")
        #expect(queue.settings.maxLength == 2 && queue.settings.messageTTL == 500)
        try restored.clearPolicy(named: "limit", kind: .user)
        second.1.close()
        try second.2.close()

        let third = try makeBroker()
        #expect(third.0.virtualHost("/")?.policies(.user).isEmpty == true)
        #expect(third.0.virtualHost("/")?.queue(named: "kept")?.policy == nil)
        third.1.close()
        try third.2.close()
    }
}
